#pragma once
// Turns an OutgoingMail into an RFC 5322 message with GMime: multipart/alternative (text/plain,
// then text/html), UTF-8 throughout, CRLF line endings, ready for SMTP DATA.

#include <cstdint>
#include <string>
#include <string_view>

#include "portico/core/result.hpp"
#include "portico/mail/outbox.hpp"

namespace portico::mail {

// Who the product's mail comes from (settings).
struct MailIdentity {
  std::string from_address;  // bare address, also the SMTP envelope sender
  std::string from_name;     // display name, may be empty
  std::string reply_to;      // bare address, or empty for no Reply-To header
};

// A fresh Message-ID, angle brackets included: "<32 hex digits@domain of from_address>".
std::string make_message_id(std::string_view from_address);

// The whole message. message_id is "<id@domain>" (see make_message_id); date is Unix seconds
// and is written in UTC. kInvalidArgument (field names the header) if an address is invalid;
// kInternal if GMime fails. Thread-safe.
[[nodiscard]] Result<std::string> compose(const MailIdentity& identity, const OutgoingMail& mail,
                                          std::string_view message_id, std::int64_t date);

}  // namespace portico::mail
