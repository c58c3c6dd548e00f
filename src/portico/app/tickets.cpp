#include "portico/app/tickets.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "portico/app/notifications.hpp"
#include "portico/app/settings.hpp"
#include "portico/app/ticket_rows.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/markdown.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Backend;
using storage::Connection;
using storage::Params;

std::string trim(std::string_view in) {
  auto begin = in.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = in.find_last_not_of(" \t\r\n");
  return std::string(in.substr(begin, end - begin + 1));
}

std::string lower(std::string_view in) {
  std::string out(in);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

namespace detail {

Result<TicketDetail> load_ticket(Connection& c, const domain::Actor& actor,
                                 std::int64_t ticket_id) {
  auto row = c.query_optional(
      "SELECT t.id, t.type, t.subject, t.status, t.requester_id, r.name, r.email, "
      "t.organization_id, o.name, t.assignee_id, a.name, a.email, t.created_at, "
      "t.last_activity_at, t.closed_at, t.resolution, t.fix_version, t.deployment_schedule, "
      "t.fix_given, t.linked_ticket_id, "
      "EXISTS (SELECT 1 FROM ticket_ccs cc WHERE cc.ticket_id = t.id AND cc.user_id = $2) "
      "FROM tickets t JOIN users r ON r.id = t.requester_id "
      "JOIN organizations o ON o.id = t.organization_id "
      "LEFT JOIN users a ON a.id = t.assignee_id WHERE t.id = $1",
      Params(ticket_id, actor.user_id));
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(ErrorCode::kNotFound, "There is no such ticket.");
  const auto& r = **row;
  TicketDetail t;
  t.id = r.integer(0);
  t.type = domain::ticket_type_from_code(static_cast<int>(r.integer(1)))
               .value_or(domain::TicketType::kProblem);
  t.subject = r.text(2);
  t.status = domain::status_from_code(static_cast<int>(r.integer(3)))
                 .value_or(domain::Status::kSupportTeamNotified);
  t.requester = {r.integer(4), r.text(5), r.text(6)};
  t.organization_id = r.integer(7);
  t.organization_name = r.text(8);
  if (!r.is_null(9)) t.assignee = Person{r.integer(9), r.text(10), r.text(11)};
  t.created_at = r.integer(12);
  t.last_activity_at = r.integer(13);
  t.closed_at = r.opt_integer(14);
  if (auto res = r.opt_text(15)) t.resolution = domain::resolution_from_slug(*res);
  t.fix_version = r.opt_text(16);
  t.deployment_schedule = r.opt_text(17);
  if (auto fix = r.opt_text(18)) t.fix_given = domain::fix_given_from_slug(*fix);
  t.linked_ticket_id = r.opt_integer(19);
  t.access.requester_id = t.requester.id;
  t.access.organization_id = t.organization_id;
  t.access.actor_is_cc = r.integer(20) != 0;
  t.access.status = t.status;
  if (!domain::can_view(actor, t.access)) {
    return fail(ErrorCode::kNotFound, "There is no such ticket.");
  }
  return t;
}

Result<void> validate_uploads(const std::vector<Upload>& uploads) {
  if (uploads.size() > kMaxAttachments) {
    return fail(ErrorCode::kTooLarge,
                fmt::format("Attach at most {} files to one message.", kMaxAttachments),
                "attachments");
  }
  std::size_t total = 0;
  for (const auto& u : uploads) {
    if (u.filename.empty() || u.filename.size() > 255) {
      return fail(ErrorCode::kInvalidArgument, "Every attached file needs a name.", "attachments");
    }
    total += u.bytes.size();
  }
  if (total > kMaxAttachmentBytes) {
    return fail(ErrorCode::kTooLarge,
                fmt::format("The attached files together are larger than {} MiB.",
                            kMaxAttachmentBytes / (1024 * 1024)),
                "attachments");
  }
  return {};
}

std::string safe_content_type(const std::string& declared) {
  // Keep the browser's type only when it is a plain type/subtype token.
  if (declared.empty() || declared.size() > 100 ||
      declared.find_first_of(" \r\n;,\"") != std::string::npos ||
      declared.find('/') == std::string::npos) {
    return "application/octet-stream";
  }
  return lower(declared);
}

Result<void> store_attachments(Connection& c, std::int64_t ticket_id, std::int64_t message_id,
                               std::int64_t uploader, const std::vector<Upload>& uploads,
                               std::int64_t now) {
  for (const auto& u : uploads) {
    auto stored = c.execute(
        "INSERT INTO attachments (ticket_id, message_id, uploaded_by, filename, content_type, "
        "size, sha256, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        Params(ticket_id, message_id, uploader, u.filename, safe_content_type(u.content_type),
               static_cast<std::int64_t>(u.bytes.size()), crypto::sha256_hex(u.bytes),
               storage::Blob{u.bytes}, now));
    if (!stored) return std::unexpected(stored.error());
  }
  return {};
}

Result<std::int64_t> insert_message(Connection& c, std::int64_t ticket_id, std::int64_t author,
                                    const std::string& body, bool internal, std::int64_t now) {
  auto row = c.query_one(
      "INSERT INTO messages (ticket_id, author_id, body, is_internal, created_at) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      Params(ticket_id, author, body, internal, now));
  if (!row) return std::unexpected(row.error());
  return row->integer(0);
}

Result<void> record_event(Connection& c, std::int64_t ticket_id, std::optional<std::int64_t> actor,
                          std::string_view kind, std::optional<int> from, std::optional<int> to,
                          std::optional<std::string> reason, std::int64_t now) {
  auto done = c.execute(
      "INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status, reason, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Params(ticket_id, actor, std::string(kind), from, to, reason, now));
  if (!done) return std::unexpected(done.error());
  return {};
}

// Resolves "name or e-mail" entries to active customers of the organization.
Result<std::vector<Person>> resolve_colleagues(Connection& c, std::int64_t organization_id,
                                               const std::vector<std::string>& entries,
                                               std::int64_t exclude_user) {
  std::vector<Person> out;
  for (const auto& raw : entries) {
    std::string entry = trim(raw);
    if (entry.empty()) continue;
    auto rows = c.query(
        "SELECT id, name, email FROM users WHERE organization_id = $1 AND is_active = 1 "
        "AND role = 'customer' AND (email_key = $2 OR lower(name) = $2) ORDER BY id LIMIT 2",
        Params(organization_id, lower(entry)));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("\"{}\" is not a colleague in your organization. Use their e-mail "
                              "address or full name.",
                              entry),
                  "ccs");
    }
    if (rows->size() > 1) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("More than one colleague is called \"{}\"; use their e-mail "
                              "address.",
                              entry),
                  "ccs");
    }
    Person p{(*rows)[0].integer(0), (*rows)[0].text(1), (*rows)[0].text(2)};
    if (p.id == exclude_user) continue;
    if (std::none_of(out.begin(), out.end(), [&](const Person& q) { return q.id == p.id; })) {
      out.push_back(p);
    }
  }
  return out;
}

// Inserts a ticket with its first message, attachments, CCs and the "created" event, and queues
// the confirmation mail. Runs inside the caller's transaction.
Result<std::int64_t> create_ticket(Connection& c, Env& env, const SessionUser& user,
                                   domain::TicketType type, const std::string& subject,
                                   const std::string& body, const std::vector<Upload>& uploads,
                                   const std::vector<Person>& ccs,
                                   std::optional<std::int64_t> linked_ticket, std::int64_t now) {
  auto initial = domain::to_code(domain::Status::kSupportTeamNotified);
  auto row = c.query_one(
      "INSERT INTO tickets (type, subject, status, requester_id, organization_id, created_at, "
      "last_activity_at, status_changed_at, customer_activity_at, linked_ticket_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $6, $7) RETURNING id",
      Params(domain::to_code(type), subject, initial, user.id, *user.organization_id, now,
             linked_ticket));
  if (!row) return std::unexpected(row.error());
  std::int64_t id = row->integer(0);
  auto message = insert_message(c, id, user.id, body, false, now);
  if (!message) return std::unexpected(message.error());
  if (auto stored = store_attachments(c, id, *message, user.id, uploads, now); !stored) {
    return std::unexpected(stored.error());
  }
  for (const auto& cc : ccs) {
    auto added =
        c.execute("INSERT INTO ticket_ccs (ticket_id, user_id, added_at) VALUES ($1, $2, $3)",
                  Params(id, cc.id, now));
    if (!added) return std::unexpected(added.error());
  }
  std::optional<std::string> reason;
  if (linked_ticket) reason = fmt::format("Follow-up of ticket #{}", *linked_ticket);
  if (auto e = record_event(c, id, user.id, "created", std::nullopt, initial, reason, now); !e) {
    return std::unexpected(e.error());
  }
  std::vector<Recipient> to{{user.id, user.email, user.name}};
  for (const auto& cc : ccs) to.push_back({cc.id, cc.email, cc.name});
  TicketMail mail;
  mail.template_name = "ticket_created";
  mail.ticket_id = id;
  mail.subject = subject;
  if (auto queued = queue_ticket_mail(c, env, to, mail, std::nullopt); !queued) {
    return std::unexpected(queued.error());
  }
  return id;
}

}  // namespace detail

using namespace detail;

Result<std::int64_t> submit_ticket(Env& env, const SessionUser& user, const NewTicket& input) {
  if (user.role != domain::Role::kCustomer || !user.organization_id) {
    return fail(ErrorCode::kPermissionDenied,
                "Tickets are submitted by customers of an organization.");
  }
  auto type = domain::ticket_type_from_slug(input.type);
  if (!type) {
    return fail(ErrorCode::kInvalidArgument,
                "Choose what kind of ticket this is: a problem or bug, a request, or a product "
                "suggestion.",
                "type");
  }
  std::string subject = trim(input.subject);
  if (subject.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Give the ticket a short subject.", "subject");
  }
  if (subject.size() > kMaxSubjectLength || subject.find_first_of("\r\n") != std::string::npos) {
    return fail(
        ErrorCode::kInvalidArgument,
        fmt::format("Keep the subject to one line of at most {} characters.", kMaxSubjectLength),
        "subject");
  }
  std::string description = trim(input.description);
  if (description.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Describe the problem or request.", "description");
  }
  if (description.size() > kMaxBodyLength) {
    return fail(ErrorCode::kTooLarge, "The description is too long.", "description");
  }
  if (auto ok = validate_uploads(input.attachments); !ok) return std::unexpected(ok.error());
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<std::int64_t> {
    auto ccs = resolve_colleagues(c, *user.organization_id, input.ccs, user.id);
    if (!ccs) return std::unexpected(ccs.error());
    return create_ticket(c, env, user, *type, subject, description, input.attachments, *ccs,
                         std::nullopt, now);
  });
}

Result<TicketDetail> get_ticket(Env& env, const domain::Actor& actor, std::int64_t ticket_id,
                                std::optional<std::int64_t> earlier_than) {
  return env.db.read([&](Connection& c) -> Result<TicketDetail> {
    auto loaded = load_ticket(c, actor, ticket_id);
    if (!loaded) return loaded;
    TicketDetail& t = *loaded;
    bool staff = domain::can_see_internal_notes(actor);

    auto ccs = c.query(
        "SELECT u.id, u.name, u.email FROM ticket_ccs cc JOIN users u ON u.id = cc.user_id "
        "WHERE cc.ticket_id = $1 ORDER BY u.name",
        Params(ticket_id));
    if (!ccs) return std::unexpected(ccs.error());
    for (const auto& r : *ccs) t.ccs.push_back({r.integer(0), r.text(1), r.text(2)});

    // The window: the newest messages, or those before `earlier_than` (by time, then id), read
    // newest first with one more than shown to learn whether earlier ones exist.
    constexpr std::string_view kVisible = "m.ticket_id = $1 AND (m.is_internal = 0 OR $2 = 1)";
    Params params(ticket_id, staff ? 1 : 0);
    std::string before;
    if (earlier_than) {
      auto anchor = c.query_optional(
          fmt::format("SELECT m.created_at FROM messages m WHERE m.id = $3 AND {}", kVisible),
          Params(ticket_id, staff ? 1 : 0, *earlier_than));
      if (!anchor) return std::unexpected(anchor.error());
      if (!*anchor) return fail(ErrorCode::kNotFound, "There is no such message in this ticket.");
      params.add((*anchor)->integer(0)).add(*earlier_than);
      before = " AND m.created_at <= $3 AND (m.created_at < $3 OR m.id < $4)";
      t.later_messages = true;
    }
    params.add(kThreadMessages + 1);
    auto messages =
        c.query(fmt::format("SELECT m.id, COALESCE(u.name, 'Portico'), COALESCE(u.role, 'agent'), "
                            "m.body, m.is_internal, m.created_at FROM messages m "
                            "LEFT JOIN users u ON u.id = m.author_id WHERE {}{} "
                            "ORDER BY m.created_at DESC, m.id DESC LIMIT ${}",
                            kVisible, before, earlier_than ? 5 : 3),
                params);
    if (!messages) return std::unexpected(messages.error());
    auto& rows = messages->rows;
    bool more = rows.size() > static_cast<std::size_t>(kThreadMessages);
    if (more) rows.pop_back();
    std::reverse(rows.begin(), rows.end());
    if (more && !rows.empty()) {
      auto earlier = c.query_one(
          fmt::format("SELECT COUNT(*) FROM (SELECT 1 FROM messages m WHERE {} AND "
                      "m.created_at <= $3 AND (m.created_at < $3 OR m.id < $4) LIMIT $5) earlier",
                      kVisible),
          Params(ticket_id, staff ? 1 : 0, rows.front().integer(5), rows.front().integer(0),
                 kEarlierMessagesCounted + 1));
      if (!earlier) return std::unexpected(earlier.error());
      t.earlier_messages = std::min<std::int64_t>(earlier->integer(0), kEarlierMessagesCounted);
      t.earlier_messages_capped = earlier->integer(0) > kEarlierMessagesCounted;
    }
    std::map<std::int64_t, std::size_t> index;
    for (const auto& r : rows) {
      MessageView m;
      m.id = r.integer(0);
      m.author_name = r.text(1);
      m.author_is_staff = r.text(2) != "customer";
      m.body = r.text(3);
      m.is_internal = r.integer(4) != 0;
      m.created_at = r.integer(5);
      index[m.id] = t.messages.size();
      t.messages.push_back(std::move(m));
    }
    auto attachments = c.query(
        "SELECT a.id, a.message_id, a.filename, a.content_type, a.size FROM attachments a "
        "JOIN messages m ON m.id = a.message_id "
        "WHERE a.ticket_id = $1 AND (m.is_internal = 0 OR $2 = 1) ORDER BY a.id",
        Params(ticket_id, staff ? 1 : 0));
    if (!attachments) return std::unexpected(attachments.error());
    for (const auto& r : *attachments) {
      auto it = index.find(r.integer(1));
      if (it == index.end()) continue;
      t.messages[it->second].attachments.push_back(
          {r.integer(0), r.text(2), r.text(3), r.integer(4)});
    }

    auto events = c.query(
        "SELECT e.to_status, e.created_at, COALESCE(u.name, ''), COALESCE(e.reason, '') "
        "FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id "
        "WHERE e.ticket_id = $1 AND e.to_status IS NOT NULL ORDER BY e.created_at, e.id",
        Params(ticket_id));
    if (!events) return std::unexpected(events.error());
    for (const auto& r : *events) {
      auto status = domain::status_from_code(static_cast<int>(r.integer(0)));
      if (!status) continue;
      if (!t.timeline.empty()) t.timeline.back().left_at = r.integer(1);
      t.timeline.push_back({*status, r.integer(1), std::nullopt, r.text(2), r.text(3)});
    }
    std::int64_t now = env.now();
    for (const auto& period : t.timeline) {
      std::int64_t span = period.left_at.value_or(now) - period.entered_at;
      auto who = domain::facts(period.status).pending_on;
      if (who == domain::PendingOn::kSupport) t.seconds_pending_on_support += span;
      if (who == domain::PendingOn::kCustomer) t.seconds_pending_on_customer += span;
    }
    return std::move(t);
  });
}

Result<ReplyOutcome> reply(Env& env, const SessionUser& user, std::int64_t ticket_id,
                           const std::string& raw_body, std::vector<Upload> attachments,
                           bool internal) {
  std::string body = trim(raw_body);
  if (body.empty() && attachments.empty()) {
    return fail(ErrorCode::kInvalidArgument, "Write a message or attach a file.", "body");
  }
  if (body.size() > kMaxBodyLength) {
    return fail(ErrorCode::kTooLarge, "The message is too long.", "body");
  }
  if (body.empty()) body = "(attached files)";
  if (auto ok = validate_uploads(attachments); !ok) return std::unexpected(ok.error());
  auto actor = user.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<ReplyOutcome> {
    auto ticket = load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    if (internal ? !domain::can_add_internal_note(actor, ticket->access)
                 : !domain::can_reply(actor, ticket->access)) {
      return fail(ErrorCode::kPermissionDenied, "You cannot reply to this ticket.");
    }
    ReplyOutcome outcome{ticket_id, false, std::nullopt};
    domain::Status status = ticket->status;
    if (!user.is_staff()) {
      auto settings = load_workflow_settings(c);
      if (!settings) return std::unexpected(settings.error());
      bool within = ticket->closed_at && now - *ticket->closed_at <= settings->reopen_window;
      auto next = domain::status_after_customer_reply(status, within);
      if (next.action == domain::CustomerReplyAction::kStartFollowUp) {
        if (!user.organization_id) {
          return fail(ErrorCode::kFailedPrecondition, "This ticket is closed.");
        }
        std::string subject = "Follow-up: " + ticket->subject;
        if (subject.size() > kMaxSubjectLength) subject.resize(kMaxSubjectLength);
        auto id = create_ticket(c, env, user, ticket->type, subject, body, attachments, {},
                                ticket_id, now);
        if (!id) return std::unexpected(id.error());
        return ReplyOutcome{*id, true, domain::Status::kSupportTeamNotified};
      }
      if (next.action == domain::CustomerReplyAction::kMoveTo) {
        bool reopening = status == domain::Status::kClosed;
        auto moved = c.execute(
            "UPDATE tickets SET status = $1, status_changed_at = $2, closed_at = CASE WHEN $3 = 1 "
            "THEN NULL ELSE closed_at END, resolution = CASE WHEN $3 = 1 THEN NULL ELSE "
            "resolution END WHERE id = $4",
            Params(domain::to_code(next.status), now, reopening ? 1 : 0, ticket_id));
        if (!moved) return std::unexpected(moved.error());
        auto e = record_event(
            c, ticket_id, user.id, reopening ? "reopened" : "status_changed",
            domain::to_code(status), domain::to_code(next.status),
            reopening ? "The customer replied to the closed ticket" : "The customer replied", now);
        if (!e) return std::unexpected(e.error());
        status = next.status;
        outcome.new_status = status;
      }
      auto touched = c.execute(
          "UPDATE tickets SET customer_activity_at = $1, reminder_sent_at = NULL WHERE id = $2",
          Params(now, ticket_id));
      if (!touched) return std::unexpected(touched.error());
    }
    auto message = insert_message(c, ticket_id, user.id, body, internal, now);
    if (!message) return std::unexpected(message.error());
    if (auto stored = store_attachments(c, ticket_id, *message, user.id, attachments, now);
        !stored) {
      return std::unexpected(stored.error());
    }
    if (internal) return outcome;  // internal notes change nothing the customer sees
    auto activity =
        c.execute("UPDATE tickets SET last_activity_at = $1 WHERE id = $2", Params(now, ticket_id));
    if (!activity) return std::unexpected(activity.error());

    TicketMail mail;
    mail.ticket_id = ticket_id;
    mail.subject = ticket->subject;
    mail.status = status;
    mail.author_name = user.name;
    mail.message_text = markdown::to_plain_text(body);
    if (user.is_staff()) {
      auto to = ticket_customers(c, ticket_id);
      if (!to) return std::unexpected(to.error());
      mail.headline = fmt::format("{} replied to your ticket.", user.name);
      mail.action_text = "Reply on the ticket page";
      if (auto q = queue_ticket_mail(c, env, *to, mail, user.id); !q)
        return std::unexpected(q.error());
    } else {
      auto to = ticket_staff(c, ticket_id, status);
      if (!to) return std::unexpected(to.error());
      mail.headline = outcome.new_status ? fmt::format("{} replied; the ticket moved to {}.",
                                                       user.name, domain::status_name(status))
                                         : fmt::format("{} replied to the ticket.", user.name);
      mail.staff_link = true;
      if (auto q = queue_ticket_mail(c, env, *to, mail, user.id); !q)
        return std::unexpected(q.error());
      auto cc_people = ticket_customers(c, ticket_id);
      if (!cc_people) return std::unexpected(cc_people.error());
      TicketMail copy = mail;
      copy.staff_link = false;
      copy.headline = fmt::format("{} added a reply to the ticket.", user.name);
      if (auto q = queue_ticket_mail(c, env, *cc_people, copy, user.id); !q) {
        return std::unexpected(q.error());
      }
    }
    return outcome;
  });
}

Result<void> add_cc(Env& env, const SessionUser& user, std::int64_t ticket_id,
                    const std::string& who) {
  auto actor = user.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto ticket = load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    if (!domain::can_reply(actor, ticket->access)) {
      return fail(ErrorCode::kPermissionDenied, "You cannot change this ticket.");
    }
    if (trim(who).empty()) {
      return fail(ErrorCode::kInvalidArgument, "Enter a colleague's e-mail address or name.", "cc");
    }
    auto people = resolve_colleagues(c, ticket->organization_id, {who}, ticket->requester.id);
    if (!people) {
      Error e = people.error();
      e.field = "cc";
      return std::unexpected(e);
    }
    for (const auto& p : *people) {
      auto exists =
          c.query_optional("SELECT 1 FROM ticket_ccs WHERE ticket_id = $1 AND user_id = $2",
                           Params(ticket_id, p.id));
      if (!exists) return std::unexpected(exists.error());
      if (*exists) continue;
      auto added =
          c.execute("INSERT INTO ticket_ccs (ticket_id, user_id, added_at) VALUES ($1, $2, $3)",
                    Params(ticket_id, p.id, now));
      if (!added) return std::unexpected(added.error());
      auto e =
          record_event(c, ticket_id, user.id, "cc_added", std::nullopt, std::nullopt, p.name, now);
      if (!e) return std::unexpected(e.error());
    }
    return {};
  });
}

Result<void> remove_cc(Env& env, const SessionUser& user, std::int64_t ticket_id,
                       std::int64_t cc_user_id) {
  auto actor = user.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto ticket = load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    if (!domain::can_reply(actor, ticket->access)) {
      return fail(ErrorCode::kPermissionDenied, "You cannot change this ticket.");
    }
    auto removed = c.execute("DELETE FROM ticket_ccs WHERE ticket_id = $1 AND user_id = $2",
                             Params(ticket_id, cc_user_id));
    if (!removed) return std::unexpected(removed.error());
    if (*removed == 0) return fail(ErrorCode::kNotFound, "That person is not on this ticket.");
    return record_event(c, ticket_id, user.id, "cc_removed", std::nullopt, std::nullopt,
                        std::to_string(cc_user_id), now);
  });
}

namespace {

Result<void> close_with(Env& env, const SessionUser& user, std::int64_t ticket_id, bool confirm) {
  auto actor = user.actor();
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<void> {
    auto ticket = load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    bool allowed = confirm ? domain::can_confirm_fix(actor, ticket->access)
                           : domain::can_close_as_requester(actor, ticket->access);
    if (!allowed) {
      return fail(ErrorCode::kFailedPrecondition,
                  confirm ? "There is no fix waiting for your confirmation on this ticket."
                          : "Only the person who opened this ticket can close it.");
    }
    auto closure =
        confirm ? domain::confirm_fix(ticket->status) : domain::close_as_requester(ticket->status);
    if (!closure) return std::unexpected(closure.error());
    auto updated = c.execute(
        "UPDATE tickets SET status = $1, status_changed_at = $2, last_activity_at = $2, "
        "customer_activity_at = $2, closed_at = $2, resolution = $3 WHERE id = $4",
        Params(domain::to_code(closure->status), now,
               std::string(domain::resolution_slug(closure->resolution)), ticket_id));
    if (!updated) return std::unexpected(updated.error());
    auto e = record_event(c, ticket_id, user.id, "status_changed", domain::to_code(ticket->status),
                          domain::to_code(closure->status),
                          std::string(domain::resolution_label(closure->resolution)), now);
    if (!e) return std::unexpected(e.error());
    TicketMail mail;
    mail.ticket_id = ticket_id;
    mail.subject = ticket->subject;
    mail.status = closure->status;
    mail.subject_suffix = "closed";
    mail.headline = confirm ? fmt::format("{} confirmed the fix; the ticket is closed.", user.name)
                            : fmt::format("{} closed the ticket.", user.name);
    mail.details.emplace_back("Resolution",
                              std::string(domain::resolution_label(closure->resolution)));
    auto customers = ticket_customers(c, ticket_id);
    if (!customers) return std::unexpected(customers.error());
    if (auto q = queue_ticket_mail(c, env, *customers, mail, std::nullopt); !q) return q;
    auto staff = ticket_staff(c, ticket_id, ticket->status);
    if (!staff) return std::unexpected(staff.error());
    mail.staff_link = true;
    return queue_ticket_mail(c, env, *staff, mail, user.id);
  });
}

}  // namespace

Result<void> close_by_requester(Env& env, const SessionUser& user, std::int64_t ticket_id) {
  return close_with(env, user, ticket_id, false);
}

Result<void> confirm_fix(Env& env, const SessionUser& user, std::int64_t ticket_id) {
  return close_with(env, user, ticket_id, true);
}

Result<AttachmentContent> get_attachment(Env& env, const domain::Actor& actor,
                                         std::int64_t ticket_id, std::int64_t attachment_id) {
  return env.db.with_connection([&](Connection& c) -> Result<AttachmentContent> {
    auto ticket = load_ticket(c, actor, ticket_id);
    if (!ticket) return std::unexpected(ticket.error());
    auto row = c.query_optional(
        "SELECT a.filename, a.content_type, a.content, m.is_internal FROM attachments a "
        "JOIN messages m ON m.id = a.message_id WHERE a.id = $1 AND a.ticket_id = $2",
        Params(attachment_id, ticket_id));
    if (!row) return std::unexpected(row.error());
    if (!*row || ((*row)->integer(3) != 0 && !domain::can_see_internal_notes(actor))) {
      return fail(ErrorCode::kNotFound, "There is no such file.");
    }
    return AttachmentContent{(*row)->text(0), (*row)->text(1), (*row)->blob(2)};
  });
}

Result<std::vector<Person>> list_colleagues(Env& env, const SessionUser& user) {
  if (!user.organization_id) return std::vector<Person>{};
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<Person>> {
    auto rows = c.query(
        "SELECT id, name, email FROM users WHERE organization_id = $1 AND is_active = 1 "
        "AND role = 'customer' AND id <> $2 ORDER BY name LIMIT 500",
        Params(*user.organization_id, user.id));
    if (!rows) return std::unexpected(rows.error());
    std::vector<Person> out;
    for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
    return out;
  });
}

}  // namespace portico::app

namespace portico::app {

namespace {

std::string id_list(const std::vector<std::int64_t>& ids, Params& params, int first) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    params.add(ids[i]);
    out += fmt::format("{}${}", i ? "," : "", first + static_cast<int>(i));
  }
  return out;
}

}  // namespace

Result<std::vector<StashedUpload>> stash_uploads(Env& env, const SessionUser& user,
                                                 const std::vector<Upload>& uploads) {
  std::int64_t now = env.now();
  return env.db.transaction([&](Connection& c) -> Result<std::vector<StashedUpload>> {
    auto expired =
        c.execute("DELETE FROM upload_stash WHERE created_at < $1", Params(now - 86'400));
    if (!expired) return std::unexpected(expired.error());
    std::vector<StashedUpload> out;
    for (const auto& u : uploads) {
      auto row = c.query_one(
          "INSERT INTO upload_stash (user_id, filename, content_type, size, content, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          Params(user.id, u.filename, safe_content_type(u.content_type),
                 static_cast<std::int64_t>(u.bytes.size()), storage::Blob{u.bytes}, now));
      if (!row) return std::unexpected(row.error());
      out.push_back({row->integer(0), u.filename, static_cast<std::int64_t>(u.bytes.size())});
    }
    return out;
  });
}

Result<std::vector<StashedUpload>> peek_stashed_uploads(Env& env, const SessionUser& user,
                                                        const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return std::vector<StashedUpload>{};
  return env.db.with_connection([&](Connection& c) -> Result<std::vector<StashedUpload>> {
    Params params(user.id);
    std::string list = id_list(ids, params, 2);
    auto rows = c.query(fmt::format("SELECT id, filename, size FROM upload_stash "
                                    "WHERE user_id = $1 AND id IN ({}) ORDER BY id",
                                    list),
                        params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<StashedUpload> out;
    for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.integer(2)});
    return out;
  });
}

Result<std::vector<Upload>> take_stashed_uploads(Env& env, const SessionUser& user,
                                                 const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return std::vector<Upload>{};
  return env.db.transaction([&](Connection& c) -> Result<std::vector<Upload>> {
    Params params(user.id);
    std::string list = id_list(ids, params, 2);
    auto rows = c.query(fmt::format("SELECT filename, content_type, content FROM upload_stash "
                                    "WHERE user_id = $1 AND id IN ({}) ORDER BY id",
                                    list),
                        params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<Upload> out;
    for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.blob(2)});
    auto removed = c.execute(
        fmt::format("DELETE FROM upload_stash WHERE user_id = $1 AND id IN ({})", list), params);
    if (!removed) return std::unexpected(removed.error());
    return out;
  });
}

}  // namespace portico::app
