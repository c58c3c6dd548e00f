#pragma once
// Building blocks shared by the ticket services (tickets.cpp, workflow.cpp). They run inside the
// caller's transaction and assume the caller has validated its input.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/app/tickets.hpp"

namespace portico::storage {
class Connection;
}

namespace portico::app::detail {

// Loads a ticket for `actor`; kNotFound when missing or not visible (same answer).
[[nodiscard]] Result<TicketDetail> load_ticket(storage::Connection& c, const domain::Actor& actor,
                                               std::int64_t ticket_id);
[[nodiscard]] Result<void> validate_uploads(const std::vector<Upload>& uploads);
[[nodiscard]] Result<void> store_attachments(storage::Connection& c, std::int64_t ticket_id,
                                             std::int64_t message_id, std::int64_t uploader,
                                             const std::vector<Upload>& uploads, std::int64_t now);
[[nodiscard]] Result<std::int64_t> insert_message(storage::Connection& c, std::int64_t ticket_id,
                                                  std::int64_t author, const std::string& body,
                                                  bool internal, std::int64_t now);
[[nodiscard]] Result<void> record_event(storage::Connection& c, std::int64_t ticket_id,
                                        std::optional<std::int64_t> actor, std::string_view kind,
                                        std::optional<int> from, std::optional<int> to,
                                        std::optional<std::string> reason, std::int64_t now);
// Inserts a ticket for `requester` in Support Team (Notified) with its first message,
// attachments, CCs and "created" event, and queues the confirmation mail.
[[nodiscard]] Result<std::int64_t> create_ticket(
    storage::Connection& c, Env& env, const SessionUser& requester, domain::TicketType type,
    const std::string& subject, const std::string& body, const std::vector<Upload>& uploads,
    const std::vector<Person>& ccs, std::optional<std::int64_t> linked_ticket, std::int64_t now);

}  // namespace portico::app::detail
