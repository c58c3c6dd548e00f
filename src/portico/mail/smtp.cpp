#include "portico/mail/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "portico/mail/outbox.hpp"

namespace portico::mail {

namespace {

constexpr std::string_view kUrlForms =
    "Use smtp://host:port, smtps://host:port or smtp://user:password@host:port, optionally with "
    "?tls=required or ?tls=none.";

void ensure_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// A part of a parsed URL, or "" when it is absent.
std::string url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || !value) return {};
  std::string out(value);
  curl_free(value);
  return out;
}

Result<SmtpTls> parse_query(std::string_view query, SmtpTls default_tls) {
  SmtpTls tls = default_tls;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair == "tls=required") {
      tls = default_tls == SmtpTls::kImplicit ? SmtpTls::kImplicit : SmtpTls::kRequired;
    } else if (pair == "tls=none" && default_tls != SmtpTls::kImplicit) {
      tls = SmtpTls::kNone;
    } else if (pair == "tls=try" && default_tls != SmtpTls::kImplicit) {
      tls = SmtpTls::kTry;
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("Unsupported SMTP URL parameter '{}'. {}", pair, kUrlForms),
                  "smtp_url");
    }
  }
  return tls;
}

struct Upload {
  std::string_view data;
};

size_t read_message(char* buffer, size_t size, size_t count, void* userdata) {
  auto* upload = static_cast<Upload*>(userdata);
  size_t n = std::min(size * count, upload->data.size());
  std::memcpy(buffer, upload->data.data(), n);
  upload->data.remove_prefix(n);
  return n;
}

}  // namespace

Result<SmtpSender> SmtpSender::create(std::string_view url, SmtpOptions options) {
  ensure_curl();
  UrlPtr parsed(curl_url());
  std::string text(url);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("Invalid SMTP URL. {}", kUrlForms),
                "smtp_url");
  }
  std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME);
  SmtpTls tls;
  if (scheme == "smtp") {
    tls = SmtpTls::kTry;
  } else if (scheme == "smtps") {
    tls = SmtpTls::kImplicit;
  } else {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("Unsupported SMTP URL scheme '{}'. {}", scheme, kUrlForms), "smtp_url");
  }
  if (url_part(parsed.get(), CURLUPART_HOST).empty()) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("The SMTP URL needs a host. {}", kUrlForms), "smtp_url");
  }
  auto parsed_tls = parse_query(url_part(parsed.get(), CURLUPART_QUERY), tls);
  if (!parsed_tls) return std::unexpected(parsed_tls.error());
  curl_url_set(parsed.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::string curl_url_text = url_part(parsed.get(), CURLUPART_URL);

  curl_url_set(parsed.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_OPTIONS, nullptr, 0);
  std::string display = url_part(parsed.get(), CURLUPART_URL);
  if (display.ends_with('/')) display.pop_back();
  return SmtpSender(std::move(curl_url_text), std::move(display), *parsed_tls, options);
}

Result<void> SmtpSender::send(const std::string& from, const std::string& to,
                              const std::string& message) const {
  if (!is_valid_address(from) || !is_valid_address(to)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("invalid envelope address (from '{}', to '{}')", from, to));
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return fail(ErrorCode::kInternal, "curl_easy_init failed");
  std::string mail_from = fmt::format("<{}>", from);
  std::unique_ptr<curl_slist, ListDeleter> recipients(
      curl_slist_append(nullptr, fmt::format("<{}>", to).c_str()));
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {};

  long use_ssl = CURLUSESSL_NONE;
  if (tls_ == SmtpTls::kTry) use_ssl = CURLUSESSL_TRY;
  if (tls_ == SmtpTls::kRequired || tls_ == SmtpTls::kImplicit) use_ssl = CURLUSESSL_ALL;

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  std::string detail = error[0] ? std::string(error) : std::string(curl_easy_strerror(rc));
  if (reply > 0) detail = fmt::format("{} (server reply {})", detail, reply);
  return fail(ErrorCode::kUnavailable, fmt::format("SMTP {}: {}", display_url_, detail));
}

}  // namespace portico::mail
