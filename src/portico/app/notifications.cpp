#include "portico/app/notifications.hpp"

#include <set>

#include <fmt/format.h>

#include "portico/mail/outbox.hpp"
#include "portico/mail/templates.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

using storage::Params;

Result<void> queue_ticket_mail(storage::Connection& c, Env& env,
                               const std::vector<Recipient>& recipients, const TicketMail& mail,
                               std::optional<std::int64_t> except_user_id) {
  auto definition = env.status_wording->definition(c, mail.status);
  if (!definition) return std::unexpected(definition.error());
  std::set<std::string> seen;
  std::string link = fmt::format("{}/{}/{}", env.base_url,
                                 mail.staff_link ? "desk/tickets" : "tickets", mail.ticket_id);
  for (const auto& to : recipients) {
    if (except_user_id && to.user_id == *except_user_id) continue;
    if (!seen.insert(to.email).second) continue;
    kainjow::mustache::data data;
    data.set("product_name", env.product_name);
    data.set("name", to.name);
    data.set("ticket_id", std::to_string(mail.ticket_id));
    data.set("subject", mail.subject);
    data.set("subject_suffix", mail.subject_suffix);
    data.set("status_name", std::string(domain::status_name(mail.status)));
    data.set("status_definition", *definition);
    data.set("headline", mail.headline);
    data.set("author_name", mail.author_name);
    data.set("message_text", mail.message_text);
    data.set("action_text", mail.action_text);
    data.set("link", link);
    kainjow::mustache::data details{kainjow::mustache::data::type::list};
    for (const auto& [label, value] : mail.details) {
      kainjow::mustache::data d;
      d.set("label", label);
      d.set("value", value);
      details.push_back(d);
    }
    data.set("details", details);
    data.set("has_details", !mail.details.empty());
    auto rendered = env.mail.render(mail.template_name, to.email, to.name, data);
    if (!rendered) return std::unexpected(rendered.error());
    rendered->ticket_id = mail.ticket_id;
    auto queued = mail::enqueue(c, *rendered, env.now());
    if (!queued) return std::unexpected(queued.error());
  }
  return {};
}

Result<std::vector<Recipient>> ticket_customers(storage::Connection& c, std::int64_t ticket_id) {
  auto rows = c.query(
      "SELECT u.id, u.email, u.name FROM tickets t JOIN users u ON u.id = t.requester_id "
      "WHERE t.id = $1 AND u.is_active = 1 "
      "UNION SELECT u.id, u.email, u.name FROM ticket_ccs cc JOIN users u ON u.id = cc.user_id "
      "WHERE cc.ticket_id = $1 AND u.is_active = 1",
      Params(ticket_id));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Recipient> out;
  for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
  return out;
}

Result<std::vector<Recipient>> ticket_staff(storage::Connection& c, std::int64_t ticket_id,
                                            domain::Status status) {
  auto assignee = c.query_optional(
      "SELECT u.id, u.email, u.name FROM tickets t JOIN users u ON u.id = t.assignee_id "
      "WHERE t.id = $1 AND u.is_active = 1",
      Params(ticket_id));
  if (!assignee) return std::unexpected(assignee.error());
  if (*assignee) {
    return std::vector<Recipient>{
        {(*assignee)->integer(0), (*assignee)->text(1), (*assignee)->text(2)}};
  }
  auto owner = domain::facts(status).owner.value_or(domain::Team::kSupport);
  auto rows = c.query(
      "SELECT u.id, u.email, u.name FROM user_teams ut JOIN users u ON u.id = ut.user_id "
      "WHERE ut.team = $1 AND u.is_active = 1 AND u.password_hash IS NOT NULL ORDER BY u.id",
      Params(domain::to_code(owner)));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Recipient> out;
  for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2)});
  return out;
}

}  // namespace portico::app
