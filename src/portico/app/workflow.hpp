#pragma once
// The agent side of the workflow: moving a ticket through the fifteen statuses with what each
// move must record, assigning it, and the periodic reminder/auto-close job. Every change writes
// an event and queues its e-mails in the same transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/app/accounts.hpp"
#include "portico/app/env.hpp"
#include "portico/app/tickets.hpp"
#include "portico/core/result.hpp"

namespace portico::app {

struct StatusChange {
  std::string to;                   // domain::Status slug
  std::string message;              // public message (required entering Waiting on Customer)
  std::string fix_version;          // Development Team
  std::string deployment_schedule;  // Deployment Team
  std::string fix_given;            // FixGiven slug (Support Team (Fix Validation))
  std::string resolution;           // Resolution slug (Closed)
  std::string reason;               // forced moves and reopens
  bool forced = false;              // admins only
  std::string suggestion_subject;   // Fix Validation: file a linked Product Suggestion ticket
};

struct StatusChangeOutcome {
  domain::Status from;
  domain::Status to;
  std::optional<std::int64_t> suggestion_ticket_id;
};

// Moves the ticket; kPermissionDenied for customers, kFailedPrecondition for a move the table
// does not allow (the message names the allowed ones), kInvalidArgument for missing fields.
[[nodiscard]] Result<StatusChangeOutcome> change_status(Env& env, const SessionUser& agent,
                                                        std::int64_t ticket_id,
                                                        const StatusChange& change);

// Assigns the ticket to an active agent or admin, or unassigns it (assignee_id none).
[[nodiscard]] Result<void> assign(Env& env, const SessionUser& agent, std::int64_t ticket_id,
                                  std::optional<std::int64_t> assignee_id);

struct StaffMember {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::vector<domain::Team> teams;
};
[[nodiscard]] Result<std::vector<StaffMember>> list_staff(Env& env);

struct OrganizationRef {
  std::int64_t id = 0;
  std::string name;
};
// The desk's organization filter: organizations whose name contains `text` (case-insensitive;
// every organization when empty), by name, at most `limit`.
[[nodiscard]] Result<std::vector<OrganizationRef>> find_organizations(Env& env,
                                                                      std::string_view text,
                                                                      int limit = 20);
// The organization named `name` (case-insensitive, surrounding spaces ignored), if any.
[[nodiscard]] Result<std::optional<OrganizationRef>> organization_named(Env& env,
                                                                        std::string_view name);
// The organization with this id, if any.
[[nodiscard]] Result<std::optional<OrganizationRef>> organization_ref(Env& env, std::int64_t id);

// The organization's key contacts (who agree deployment schedules).
[[nodiscard]] Result<std::vector<Person>> key_contacts(Env& env, std::int64_t organization_id);

struct AutoCloseStats {
  int reminded = 0;
  int closed = 0;
};

// One pass of the reminder/auto-close job at `now`. Idempotent, and safe with several processes
// running it at once: each reminder and closure is a conditional update that only one runner
// can win, and its mail is queued in that same transaction.
[[nodiscard]] Result<AutoCloseStats> run_auto_close(Env& env, std::int64_t now);

}  // namespace portico::app
