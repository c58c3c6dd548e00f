#pragma once
// The outbox: mail waiting to be delivered. Services never talk to SMTP; they add a row here in
// the same transaction as the change that caused the mail, and jobs::OutboxWorker delivers it
// later with retries. Without SMTP configured, rows stay 'queued' and readable (CLI, admin page).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/storage/db.hpp"

namespace portico::mail {

// A rendered mail for one recipient (see MailTemplates::render).
struct OutgoingMail {
  std::string template_name;  // data/templates/mail/<template_name>.*; for the record only
  std::string to_address;     // a bare address: "ana@example.com"
  std::string to_name;        // display name, may be empty
  std::string subject;        // one line, UTF-8
  std::string body_text;      // UTF-8, LF line endings
  std::string body_html;      // UTF-8, a whole HTML document
  std::optional<std::int64_t> ticket_id;
};

// Delivery state of an outbox row, as stored in outbox.state.
enum class OutboxState {
  kQueued,   // waiting for its first or next attempt (next_attempt_at)
  kSending,  // claimed by a worker until claimed_until; reclaimed after that if it died
  kSent,     // accepted by the SMTP server at sent_at
  kFailed,   // given up on; last_error says why
};

std::string_view to_string(OutboxState state);
std::optional<OutboxState> parse_outbox_state(std::string_view text);

// One outbox row, all columns.
struct OutboxEntry {
  std::int64_t id = 0;
  std::string template_name;
  std::string to_address;
  std::string to_name;
  std::string subject;
  std::string body_text;
  std::string body_html;
  std::optional<std::int64_t> ticket_id;
  std::int64_t created_at = 0;
  OutboxState state = OutboxState::kQueued;
  std::int64_t attempts = 0;
  std::int64_t next_attempt_at = 0;
  std::optional<std::int64_t> claimed_until;
  std::optional<std::string> last_error;
  std::optional<std::int64_t> sent_at;
  std::optional<std::string> message_id;  // "<…@…>", set once composed (kept across retries)
};

// True for a bare address that is safe in a header and an SMTP envelope: local@domain, no
// spaces, angle brackets or control characters.
bool is_valid_address(std::string_view address);

// Queues a mail, due at once. Call it inside the caller's transaction so the mail exists if and
// only if the change that caused it commits. kInvalidArgument (field "to_address") for an
// address is_valid_address rejects, or a subject/body that is empty. Returns the row id.
[[nodiscard]] Result<std::int64_t> enqueue(storage::Connection& conn, const OutgoingMail& mail,
                                           std::int64_t now);

// The newest rows first (by id), for the CLI and the admin page. limit is clamped to 1..500.
[[nodiscard]] Result<std::vector<OutboxEntry>> list_outbox(storage::Database& db, int limit,
                                                           int offset = 0);

// One row, or kNotFound.
[[nodiscard]] Result<OutboxEntry> get_outbox(storage::Database& db, std::int64_t id);

}  // namespace portico::mail
