#pragma once
// Ticket e-mails, queued in the outbox inside the caller's transaction: one message per
// recipient, rendered from data/templates/mail/ticket_update.* (or another template set).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "portico/app/env.hpp"
#include "portico/core/result.hpp"
#include "portico/domain/status.hpp"

namespace portico::storage {
class Connection;
}

namespace portico::app {

struct Recipient {
  std::int64_t user_id = 0;
  std::string email;
  std::string name;
};

struct TicketMail {
  std::string template_name = "ticket_update";
  std::int64_t ticket_id = 0;
  std::string subject;         // the ticket's subject
  std::string subject_suffix;  // appended to the mail subject, e.g. "information needed"
  domain::Status status = domain::Status::kSupportTeamNotified;
  std::string headline;      // the first sentence: what happened
  std::string author_name;   // who wrote message_text
  std::string message_text;  // the message, as plain text
  std::string action_text;   // the button label
  bool staff_link = false;   // link to the agent desk instead of the portal
  std::vector<std::pair<std::string, std::string>> details;  // label, value
};

// Queues one mail per recipient, skipping `except_user_id` (the person who acted) and
// duplicates. Inactive users are expected to be filtered out by the caller's query.
[[nodiscard]] Result<void> queue_ticket_mail(storage::Connection& c, Env& env,
                                             const std::vector<Recipient>& recipients,
                                             const TicketMail& mail,
                                             std::optional<std::int64_t> except_user_id);

// The requester and CCs of a ticket (active users only).
[[nodiscard]] Result<std::vector<Recipient>> ticket_customers(storage::Connection& c,
                                                              std::int64_t ticket_id);
// Who on our side hears about the ticket: its assignee, or else the active agents of the team
// that owns `status` (Support for customer-owned statuses).
[[nodiscard]] Result<std::vector<Recipient>> ticket_staff(storage::Connection& c,
                                                          std::int64_t ticket_id,
                                                          domain::Status status);

}  // namespace portico::app
