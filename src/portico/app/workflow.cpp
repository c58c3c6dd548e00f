#include "portico/app/workflow.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "portico/app/notifications.hpp"
#include "portico/app/settings.hpp"
#include "portico/app/ticket_rows.hpp"
#include "portico/core/markdown.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

std::string trim(std::string_view in) {
  auto begin = in.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = in.find_last_not_of(" \t\r\n");
  return std::string(in.substr(begin, end - begin + 1));
}

std::optional<std::string> present(const std::string& text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  return t;
}

std::string codes_of(std::span<const domain::Status> statuses) {
  std::string out;
  for (auto s : statuses) out += fmt::format("{}{}", out.empty() ? "" : ",", domain::to_code(s));
  return out;
}

// The active staff of the team that owns `status` (the team's queue).
Result<std::vector<Recipient>> team_members(Connection& c, domain::Team team) {
  auto rows = c.query(
      "SELECT u.id, u.email, u.name FROM user_teams ut JOIN users u ON u.id = ut.user_id "
      "WHERE ut.team = $1 AND u.is_active = 1 AND u.password_hash IS NOT NULL ORDER BY u.id",
      Params(domain::to_code(team)));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Recipient> out;
  for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
  return out;
}

}  // namespace

Result<StatusChangeOutcome> change_status(Env& env, const SessionUser& agent,
                                          std::int64_t ticket_id, const StatusChange& change) {
  auto to = domain::status_from_slug(change.to);
  if (!to) return fail(ErrorCode::kInvalidArgument, "Choose the new status.", "to");
  domain::TransitionInput input;
  input.message = present(change.message);
  input.fix_version = present(change.fix_version);
  input.deployment_schedule = present(change.deployment_schedule);
  if (!change.fix_given.empty()) {
    input.fix_given = domain::fix_given_from_slug(change.fix_given);
    if (!input.fix_given)
      return fail(ErrorCode::kInvalidArgument, "Choose what was given.", "fix_given");
  }
  if (!change.resolution.empty()) {
    input.resolution = domain::resolution_from_slug(change.resolution);
    if (!input.resolution) {
      return fail(ErrorCode::kInvalidArgument, "Choose a resolution.", "resolution");
    }
  }
  input.reason = present(change.reason);
  input.forced = change.forced;
  if (input.message && input.message->size() > kMaxBodyLength) {
    return fail(ErrorCode::kTooLarge, "The message is too long.", "message");
  }
  for (const auto* field : {&input.fix_version, &input.deployment_schedule, &input.reason}) {
    if (*field && (*field)->size() > 500) {
      return fail(ErrorCode::kInvalidArgument, "Keep that field under 500 characters.");
    }
  }
  auto actor = agent.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<StatusChangeOutcome> {
    auto ticket = detail::load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    if (!domain::can_change_status(actor, ticket->access)) {
      return fail(ErrorCode::kPermissionDenied, "Only support staff change a ticket's status.");
    }
    if (input.forced && !domain::can_force_status(actor)) {
      return fail(ErrorCode::kPermissionDenied, "Only admins can force a status change.");
    }
    domain::Status from = ticket->status;
    if (auto ok = domain::check_transition(agent.role, from, *to, input); !ok) {
      return std::unexpected(ok.error());
    }
    StatusChangeOutcome outcome{from, *to, std::nullopt};
    bool closing = *to == domain::Status::kClosed;
    bool reopening = domain::is_reopen(from, *to);
    bool waiting = domain::is_waiting_on_customer(*to);
    auto updated = c.execute(
        "UPDATE tickets SET status = $1, status_changed_at = $2, last_activity_at = $2, "
        "fix_version = COALESCE($3, fix_version), "
        "deployment_schedule = COALESCE($4, deployment_schedule), "
        "fix_given = COALESCE($5, fix_given), "
        "resolution = CASE WHEN $6 = 1 THEN $7 WHEN $8 = 1 THEN NULL ELSE resolution END, "
        "closed_at = CASE WHEN $6 = 1 THEN $2 WHEN $8 = 1 THEN NULL ELSE closed_at END, "
        "customer_activity_at = CASE WHEN $9 = 1 THEN $2 ELSE customer_activity_at END, "
        "reminder_sent_at = CASE WHEN $9 = 1 THEN NULL ELSE reminder_sent_at END "
        "WHERE id = $10 AND status = $11",
        Params(domain::to_code(*to), now,
               *to == domain::Status::kDevelopmentTeam ? input.fix_version : std::nullopt,
               *to == domain::Status::kDeploymentTeam ? input.deployment_schedule : std::nullopt,
               input.fix_given ? std::optional<std::string>(
                                     std::string(domain::fix_given_slug(*input.fix_given)))
                               : std::nullopt,
               closing ? 1 : 0,
               input.resolution ? std::optional<std::string>(
                                      std::string(domain::resolution_slug(*input.resolution)))
                                : std::nullopt,
               reopening ? 1 : 0, waiting ? 1 : 0, ticket_id, domain::to_code(from)));
    if (!updated) return std::unexpected(updated.error());
    if (*updated != 1) {
      return fail(ErrorCode::kConflict,
                  "Someone changed this ticket's status a moment ago. Reload and try again.");
    }
    std::optional<std::string> reason = input.reason;
    if (closing && input.resolution)
      reason = std::string(domain::resolution_label(*input.resolution));
    if (input.forced) reason = "Forced by an admin: " + input.reason.value_or("");
    auto event =
        detail::record_event(c, ticket_id, agent.id, reopening ? "reopened" : "status_changed",
                             domain::to_code(from), domain::to_code(*to), reason, now);
    if (!event) return std::unexpected(event.error());
    if (input.message) {
      auto message = detail::insert_message(c, ticket_id, agent.id, *input.message, false, now);
      if (!message) return std::unexpected(message.error());
    }

    // What the customer hears.
    TicketMail mail;
    mail.ticket_id = ticket_id;
    mail.subject = ticket->subject;
    mail.status = *to;
    mail.author_name = agent.name;
    if (input.message) mail.message_text = markdown::to_plain_text(*input.message);
    bool tell_customers = true;
    switch (*to) {
      case domain::Status::kWaitingOnCustomerInitialInformation:
      case domain::Status::kWaitingOnCustomerAdditionalInformation:
        mail.subject_suffix = "information needed";
        mail.headline = "We need some information from you to continue with your ticket.";
        mail.action_text = "Reply on the ticket page";
        break;
      case domain::Status::kWaitingOnCustomerFixValidation:
        mail.subject_suffix = "please confirm the fix";
        mail.headline =
            "Please check the fix (or our explanation) and confirm it on the ticket "
            "page, or reply with your questions.";
        mail.action_text = "Confirm the fix or reply";
        if (ticket->fix_given) {
          mail.details.emplace_back("Given",
                                    std::string(domain::fix_given_label(*ticket->fix_given)));
        }
        break;
      case domain::Status::kClosed:
        mail.subject_suffix = "closed";
        mail.headline = "Your ticket has been closed.";
        if (input.resolution) {
          mail.details.emplace_back("Resolution",
                                    std::string(domain::resolution_label(*input.resolution)));
        }
        break;
      default:
        if (reopening) {
          mail.subject_suffix = "reopened";
          mail.headline = "Your ticket has been reopened.";
        } else {
          tell_customers = input.message.has_value();
          mail.headline = fmt::format("{} replied to your ticket.", agent.name);
        }
    }
    if (tell_customers) {
      auto customers = ticket_customers(c, ticket_id);
      if (!customers) return std::unexpected(customers.error());
      if (auto q = queue_ticket_mail(c, env, *customers, mail, agent.id); !q) {
        return std::unexpected(q.error());
      }
    }
    // The deployment schedule goes to the organization's key contacts.
    if (*to == domain::Status::kDeploymentTeam) {
      auto contacts = c.query(
          "SELECT id, email, name FROM users WHERE organization_id = $1 AND is_key_contact = 1 "
          "AND is_active = 1",
          Params(ticket->organization_id));
      if (!contacts) return std::unexpected(contacts.error());
      std::vector<Recipient> to_contacts;
      for (const auto& r : *contacts) to_contacts.push_back({r.integer(0), r.text(1), r.text(2)});
      TicketMail schedule = mail;
      schedule.subject_suffix = "deployment schedule";
      schedule.headline =
          "The fix is ready. This is the deployment schedule agreed for your "
          "organization.";
      schedule.details = {{"Fix version", ticket->fix_version.value_or("")},
                          {"Deployment schedule", input.deployment_schedule.value_or("")}};
      if (auto q = queue_ticket_mail(c, env, to_contacts, schedule, agent.id); !q) {
        return std::unexpected(q.error());
      }
    }
    // The team that owns the new status hears that the ticket is in its queue.
    auto new_owner = domain::facts(*to).owner;
    if (new_owner && new_owner != domain::facts(from).owner) {
      auto team = team_members(c, *new_owner);
      if (!team) return std::unexpected(team.error());
      TicketMail queue;
      queue.ticket_id = ticket_id;
      queue.subject = ticket->subject;
      queue.status = *to;
      queue.staff_link = true;
      queue.subject_suffix = std::string(domain::team_name(*new_owner));
      queue.headline =
          fmt::format("{} moved this ticket to {}.", agent.name, domain::status_name(*to));
      if (auto q = queue_ticket_mail(c, env, *team, queue, agent.id); !q) {
        return std::unexpected(q.error());
      }
    }
    // Fix Validation may file a Product Suggestion on the customer's behalf.
    if (*to == domain::Status::kSupportTeamFixValidation) {
      if (auto subject = present(change.suggestion_subject)) {
        SessionUser requester;
        requester.id = ticket->requester.id;
        requester.name = ticket->requester.name;
        requester.email = ticket->requester.email;
        requester.organization_id = ticket->organization_id;
        std::string body =
            fmt::format("Filed by {} on behalf of {} from ticket #{}.\n\n{}", agent.name,
                        ticket->requester.name, ticket_id, input.message.value_or(*subject));
        auto id = detail::create_ticket(c, env, requester, domain::TicketType::kSuggestion,
                                        subject->substr(0, kMaxSubjectLength), body, {}, {},
                                        ticket_id, now);
        if (!id) return std::unexpected(id.error());
        auto linked = c.execute("UPDATE tickets SET linked_ticket_id = $1 WHERE id = $2",
                                Params(*id, ticket_id));
        if (!linked) return std::unexpected(linked.error());
        outcome.suggestion_ticket_id = *id;
      }
    }
    return outcome;
  });
}

Result<void> assign(Env& env, const SessionUser& agent, std::int64_t ticket_id,
                    std::optional<std::int64_t> assignee_id) {
  auto actor = agent.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto ticket = detail::load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    if (!domain::can_change_status(actor, ticket->access)) {
      return fail(ErrorCode::kPermissionDenied, "Only support staff assign tickets.");
    }
    std::string assignee_name = "nobody";
    std::optional<Recipient> notify;
    if (assignee_id) {
      auto row = c.query_optional(
          "SELECT id, email, name FROM users WHERE id = $1 AND role IN ('agent', 'admin') "
          "AND is_active = 1",
          Params(*assignee_id));
      if (!row) return std::unexpected(row.error());
      if (!*row) {
        return fail(ErrorCode::kInvalidArgument, "Choose an active agent to assign.", "assignee");
      }
      assignee_name = (*row)->text(2);
      notify = Recipient{(*row)->integer(0), (*row)->text(1), (*row)->text(2)};
    }
    auto updated = c.execute("UPDATE tickets SET assignee_id = $1 WHERE id = $2",
                             Params(assignee_id, ticket_id));
    if (!updated) return std::unexpected(updated.error());
    auto event = detail::record_event(c, ticket_id, agent.id, "assigned", std::nullopt,
                                      std::nullopt, assignee_name, now);
    if (!event) return std::unexpected(event.error());
    if (notify) {
      TicketMail mail;
      mail.ticket_id = ticket_id;
      mail.subject = ticket->subject;
      mail.status = ticket->status;
      mail.staff_link = true;
      mail.subject_suffix = "assigned to you";
      mail.headline = fmt::format("{} assigned this ticket to you.", agent.name);
      if (auto q = queue_ticket_mail(c, env, {*notify}, mail, agent.id); !q) {
        return std::unexpected(q.error());
      }
    }
    return {};
  });
}

Result<std::vector<StaffMember>> list_staff(Env& env) {
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<StaffMember>> {
    auto rows = c.query(
        "SELECT u.id, u.name, u.email, ut.team FROM users u "
        "LEFT JOIN user_teams ut ON ut.user_id = u.id "
        "WHERE u.role IN ('agent', 'admin') AND u.is_active = 1 ORDER BY u.name, u.id, ut.team");
    if (!rows) return std::unexpected(rows.error());
    std::vector<StaffMember> out;
    for (const auto& r : *rows) {
      if (out.empty() || out.back().id != r.integer(0)) {
        out.push_back({r.integer(0), r.text(1), r.text(2), {}});
      }
      if (!r.is_null(3)) {
        if (auto team = domain::team_from_code(static_cast<int>(r.integer(3)))) {
          out.back().teams.push_back(*team);
        }
      }
    }
    return out;
  });
}

Result<std::vector<OrganizationRef>> find_organizations(Env& env, std::string_view text,
                                                        int limit) {
  // LIKE with the user's text taken literally: its wildcards and the escape are escaped.
  std::string pattern = "%";
  for (char ch : trim(text)) {
    if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
    pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  pattern += "%";
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<OrganizationRef>> {
    auto rows = c.query(
        "SELECT id, name FROM organizations WHERE name_key LIKE $1 ESCAPE '\\' "
        "ORDER BY name_key LIMIT $2",
        Params(pattern, std::clamp(limit, 1, 100)));
    if (!rows) return std::unexpected(rows.error());
    std::vector<OrganizationRef> out;
    for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1)});
    return out;
  });
}

Result<std::optional<OrganizationRef>> organization_named(Env& env, std::string_view name) {
  std::string key = trim(name);
  for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return env.db.with_connection([&](Connection& c) -> Result<std::optional<OrganizationRef>> {
    auto row =
        c.query_optional("SELECT id, name FROM organizations WHERE name_key = $1", Params(key));
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::nullopt;
    return OrganizationRef{(*row)->integer(0), (*row)->text(1)};
  });
}

Result<std::optional<OrganizationRef>> organization_ref(Env& env, std::int64_t id) {
  return env.db.with_connection([&](Connection& c) -> Result<std::optional<OrganizationRef>> {
    auto row = c.query_optional("SELECT id, name FROM organizations WHERE id = $1", Params(id));
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::nullopt;
    return OrganizationRef{(*row)->integer(0), (*row)->text(1)};
  });
}

Result<std::vector<Person>> key_contacts(Env& env, std::int64_t organization_id) {
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<Person>> {
    auto rows = c.query(
        "SELECT id, name, email FROM users WHERE organization_id = $1 AND is_key_contact = 1 "
        "AND is_active = 1 ORDER BY name",
        Params(organization_id));
    if (!rows) return std::unexpected(rows.error());
    std::vector<Person> out;
    for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
    return out;
  });
}

Result<AutoCloseStats> run_auto_close(Env& env, std::int64_t now) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  auto settings = env.db.with_connection([](Connection& c) { return load_workflow_settings(c); });
  if (!settings) return std::unexpected(settings.error());
  auto waiting = codes_of(domain::statuses_pending_on(domain::PendingOn::kCustomer));
  std::int64_t earliest = std::min(settings->reminder_after, settings->close_after);
  // Candidates: waiting tickets whose clock started long enough ago for any action (indexed by
  // status, then filtered by the domain's decision).
  auto candidates = env.db.with_connection([&](Connection& c) {
    return c.query(fmt::format("SELECT id, status, customer_activity_at, reminder_sent_at "
                               "FROM tickets WHERE status IN ({}) AND customer_activity_at <= $1 "
                               "ORDER BY id LIMIT 1000",
                               waiting),
                   Params(now - earliest));
  });
  if (!candidates) return std::unexpected(candidates.error());
  AutoCloseStats stats;
  auto at = [](std::int64_t t) { return system_clock::time_point(seconds(t)); };
  for (const auto& row : *candidates) {
    std::int64_t id = row.integer(0);
    auto status = domain::status_from_code(static_cast<int>(row.integer(1)));
    if (!status) continue;
    std::int64_t activity = row.integer(2);
    auto reminded = row.opt_integer(3);
    auto action = domain::decide_auto_close(
        *status, at(activity), reminded ? std::optional(at(*reminded)) : std::nullopt, at(now),
        seconds(settings->reminder_after), seconds(settings->close_after));
    if (action == domain::AutoCloseAction::kNothing) continue;
    auto done = env.db.transaction([&](Connection& c) -> Result<bool> {
      bool close = action == domain::AutoCloseAction::kClose;
      // The conditional update is the claim: it succeeds for exactly one runner, and only if
      // nothing changed since the candidate was read.
      auto claimed =
          close ? c.execute(
                      "UPDATE tickets SET status = $1, status_changed_at = $2, last_activity_at = "
                      "$2, "
                      "closed_at = $2, resolution = $3 WHERE id = $4 AND status = $5 AND "
                      "customer_activity_at = $6",
                      Params(domain::to_code(domain::Status::kClosed), now,
                             std::string(domain::resolution_slug(domain::kAutoCloseResolution)), id,
                             domain::to_code(*status), activity))
                : c.execute(
                      "UPDATE tickets SET reminder_sent_at = $1 WHERE id = $2 AND status = $3 AND "
                      "customer_activity_at = $4 AND (reminder_sent_at IS NULL OR reminder_sent_at "
                      "< $4)",
                      Params(now, id, domain::to_code(*status), activity));
      if (!claimed) return std::unexpected(claimed.error());
      if (*claimed != 1) return false;
      auto subject = c.query_one("SELECT subject FROM tickets WHERE id = $1", Params(id));
      if (!subject) return std::unexpected(subject.error());
      if (close) {
        auto event = detail::record_event(
            c, id, std::nullopt, "status_changed", domain::to_code(*status),
            domain::to_code(domain::Status::kClosed),
            std::string(domain::resolution_label(domain::kAutoCloseResolution)), now);
        if (!event) return std::unexpected(event.error());
      } else {
        auto event = detail::record_event(c, id, std::nullopt, "reminder_sent", std::nullopt,
                                          std::nullopt, std::nullopt, now);
        if (!event) return std::unexpected(event.error());
      }
      TicketMail mail;
      mail.ticket_id = id;
      mail.subject = subject->text(0);
      mail.status = close ? domain::Status::kClosed : *status;
      if (close) {
        mail.subject_suffix = "closed";
        mail.headline =
            "We closed this ticket because we did not hear back from you. If you "
            "still need help, reply on the ticket page.";
        mail.details.emplace_back(
            "Resolution", std::string(domain::resolution_label(domain::kAutoCloseResolution)));
      } else {
        mail.subject_suffix = "reminder";
        mail.headline = fmt::format(
            "A reminder: this ticket is waiting for your reply. If we do not hear from you, it "
            "will be closed in about {} days.",
            std::max<std::int64_t>(1, (settings->close_after - settings->reminder_after) / 86'400));
        mail.action_text = "Reply on the ticket page";
      }
      auto customers = ticket_customers(c, id);
      if (!customers) return std::unexpected(customers.error());
      if (auto q = queue_ticket_mail(c, env, *customers, mail, std::nullopt); !q) {
        return std::unexpected(q.error());
      }
      return true;
    });
    if (!done) {
      if (done.error().code == ErrorCode::kUnavailable) continue;  // busy: the next pass retries
      return std::unexpected(done.error());
    }
    if (*done) (action == domain::AutoCloseAction::kClose ? stats.closed : stats.reminded)++;
  }
  return stats;
}

}  // namespace portico::app
