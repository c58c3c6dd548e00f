#include "portico/mail/outbox.hpp"

#include <algorithm>
#include <array>

namespace portico::mail {

namespace {

constexpr std::string_view kEnqueueSql =
    "INSERT INTO outbox (template, to_address, to_name, subject, body_text, body_html, ticket_id,"
    " created_at, state, attempts, next_attempt_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $8) RETURNING id";

// Both read queries select every column in the order entry_from_row expects.
constexpr std::string_view kListSql =
    "SELECT id, template, to_address, to_name, subject, body_text, body_html, ticket_id,"
    " created_at, state, attempts, next_attempt_at, claimed_until, last_error, sent_at,"
    " message_id FROM outbox ORDER BY id DESC LIMIT $1 OFFSET $2";
constexpr std::string_view kGetSql =
    "SELECT id, template, to_address, to_name, subject, body_text, body_html, ticket_id,"
    " created_at, state, attempts, next_attempt_at, claimed_until, last_error, sent_at,"
    " message_id FROM outbox WHERE id = $1";

constexpr std::array<std::string_view, 4> kStateNames = {"queued", "sending", "sent", "failed"};

OutboxEntry entry_from_row(const storage::Row& row) {
  OutboxEntry e;
  e.id = row.integer(0);
  e.template_name = row.text(1);
  e.to_address = row.text(2);
  e.to_name = row.text(3);
  e.subject = row.text(4);
  e.body_text = row.text(5);
  e.body_html = row.text(6);
  e.ticket_id = row.opt_integer(7);
  e.created_at = row.integer(8);
  e.state = parse_outbox_state(row.text(9)).value_or(OutboxState::kFailed);
  e.attempts = row.integer(10);
  e.next_attempt_at = row.integer(11);
  e.claimed_until = row.opt_integer(12);
  e.last_error = row.opt_text(13);
  e.sent_at = row.opt_integer(14);
  e.message_id = row.opt_text(15);
  return e;
}

bool is_address_char(char c) {
  constexpr std::string_view kSpecials = "<>()[]\\,;:\"@";
  return c > 0x20 && c < 0x7f && kSpecials.find(c) == std::string_view::npos;
}

}  // namespace

std::string_view to_string(OutboxState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<OutboxState> parse_outbox_state(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == text) return static_cast<OutboxState>(i);
  }
  return std::nullopt;
}

bool is_valid_address(std::string_view address) {
  if (address.size() > 254) return false;
  auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (domain.empty() || domain.front() == '.' || domain.back() == '.') return false;
  if (local.front() == '.' || local.back() == '.') return false;
  return std::ranges::all_of(local, is_address_char) &&
         std::ranges::all_of(domain, is_address_char);
}

Result<std::int64_t> enqueue(storage::Connection& conn, const OutgoingMail& mail,
                             std::int64_t now) {
  if (!is_valid_address(mail.to_address)) {
    return fail(ErrorCode::kInvalidArgument, "Enter a valid e-mail address.", "to_address");
  }
  if (mail.subject.empty() || mail.body_text.empty() || mail.body_html.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "A mail needs a subject, a text body and an HTML body.");
  }
  auto row = conn.query_one(
      kEnqueueSql, storage::Params(mail.template_name, mail.to_address, mail.to_name, mail.subject,
                                   mail.body_text, mail.body_html, mail.ticket_id, now));
  if (!row) return std::unexpected(row.error());
  return row->integer(0);
}

Result<std::vector<OutboxEntry>> list_outbox(storage::Database& db, int limit, int offset) {
  limit = std::clamp(limit, 1, 500);
  offset = std::max(offset, 0);
  return db.with_connection([&](storage::Connection& conn) -> Result<std::vector<OutboxEntry>> {
    auto rows = conn.query(kListSql, storage::Params(limit, offset));
    if (!rows) return std::unexpected(rows.error());
    std::vector<OutboxEntry> entries;
    entries.reserve(rows->size());
    for (const auto& row : *rows) entries.push_back(entry_from_row(row));
    return entries;
  });
}

Result<OutboxEntry> get_outbox(storage::Database& db, std::int64_t id) {
  return db.with_connection([&](storage::Connection& conn) -> Result<OutboxEntry> {
    auto row = conn.query_optional(kGetSql, storage::Params(id));
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail(ErrorCode::kNotFound, "No such outbox entry.");
    return entry_from_row(**row);
  });
}

}  // namespace portico::mail
