#pragma once
// Submits a composed message to an SMTP server with libcurl.
//
// The server is configured as one URL:
//   smtp://host[:port]            plain SMTP (port 25 by default); STARTTLS is used if the
//                                 server offers it (libcurl CURLUSESSL_TRY)
//   smtp://host:587?tls=required  STARTTLS, and fail if the server does not offer it
//   smtp://host:25?tls=none       never STARTTLS (a local relay or a test sink)
//   smtps://host[:465]            TLS from the first byte
// with optional credentials: smtp://user:password@host:587?tls=required (percent-encode '@',
// ':' and '/' in them). Certificates are always verified.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "portico/core/result.hpp"

namespace portico::mail {

enum class SmtpTls {
  kNone,      // tls=none: plain text only
  kTry,       // smtp:// default: STARTTLS when offered
  kRequired,  // tls=required: STARTTLS or fail
  kImplicit,  // smtps://
};

struct SmtpOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};  // the whole submission
};

class SmtpSender {
 public:
  // Parses and checks url (see above). kInvalidArgument, field "smtp_url", with a message that
  // names the accepted forms.
  [[nodiscard]] static Result<SmtpSender> create(std::string_view url, SmtpOptions options = {});

  // Sends message (CRLF line endings) from envelope sender `from` to one recipient `to` (bare
  // addresses). kUnavailable with libcurl's message (and the server's reply code) on any
  // failure; kInvalidArgument for an address that would not be safe in the envelope.
  // Thread-safe: each call uses its own connection.
  [[nodiscard]] Result<void> send(const std::string& from, const std::string& to,
                                  const std::string& message) const;

  // The server without credentials, for logs: "smtp://mail.example.com:587".
  const std::string& display_url() const { return display_url_; }
  SmtpTls tls() const { return tls_; }
  const SmtpOptions& options() const { return options_; }

 private:
  SmtpSender(std::string url, std::string display_url, SmtpTls tls, SmtpOptions options)
      : url_(std::move(url)), display_url_(std::move(display_url)), tls_(tls), options_(options) {}

  std::string url_;  // for libcurl: scheme, credentials, host, port; no query
  std::string display_url_;
  SmtpTls tls_;
  SmtpOptions options_;
};

}  // namespace portico::mail
