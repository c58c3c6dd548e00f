#include "portico/app/demo.hpp"

#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "portico/core/crypto.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

constexpr std::string_view kDemoPassword = "portico-demo";
constexpr std::int64_t kDay = 86'400;

struct Person {
  std::string_view email, name, role, org;  // org: "" for staff
  int team;                                  // domain::Team code, 0 for none
  bool key_contact;
};

constexpr Person kPeople[] = {
    {"admin@portico.example", "Avery Admin", "admin", "", 1, false},
    {"sam@portico.example", "Sam Support", "agent", "", 1, false},
    {"pat@portico.example", "Pat Product", "agent", "", 2, false},
    {"terry@portico.example", "Terry Technical", "agent", "", 3, false},
    {"dana@portico.example", "Dana Developer", "agent", "", 4, false},
    {"devon@portico.example", "Devon Deployment", "agent", "", 5, false},
    {"alice@acme.example", "Alice Anders", "customer", "Acme Logistics", 0, true},
    {"bob@acme.example", "Bob Brown", "customer", "Acme Logistics", 0, false},
    {"carol@globex.example", "Carol Chen", "customer", "Globex Retail", 0, true},
};

struct DemoTicket {
  int type;    // domain::TicketType code
  int status;  // domain::Status code
  std::string_view requester, subject, description, reply;
  int age_days;
};

constexpr DemoTicket kTickets[] = {
    {1, 1, "alice@acme.example", "Shipment labels print with the wrong address",
     "Since this morning every label printed from the **Dispatch** screen shows the warehouse "
     "address instead of the customer's.\n\nSteps:\n1. Open Dispatch\n2. Select any order\n3. "
     "Click *Print label*",
     "", 0},
    {1, 2, "bob@acme.example", "Export to CSV times out",
     "Exporting last month's orders to CSV spins for a minute and then fails.",
     "Could you tell us roughly how many orders the export covers, and which browser you use?",
     2},
    {2, 6, "alice@acme.example", "Request: single sign-on with our identity provider",
     "We would like our staff to log in with our company accounts.", "", 9},
    {1, 11, "carol@globex.example", "Discount codes applied twice at checkout",
     "Customers using a discount code sometimes get the discount applied twice.",
     "Thanks for the examples — we reproduced it and the fix is scheduled for release 4.2.1.", 20},
    {3, 14, "carol@globex.example", "Suggestion: dark mode for the store admin",
     "Our night shift would love a dark theme.",
     "We have shared this with the Product Team. Does the high-contrast theme in Settings help "
     "for now?",
     30},
    {1, 15, "bob@acme.example", "Password reset e-mail never arrives",
     "I asked for a password reset twice but nothing arrived.",
     "It was caught by your spam filter; we have adjusted our sending domain. Confirmed fixed.",
     45},
};

struct DemoArticle {
  std::string_view category, slug, title, body;
};

constexpr std::string_view kCategories[][3] = {
    {"getting-started", "Getting started", "Registering, logging in and finding your way."},
    {"tickets", "Working with tickets", "Submitting, following and replying to tickets."},
};

constexpr DemoArticle kArticles[] = {
    {"getting-started", "register-from-invitation", "How to register from your invitation e-mail",
     "You receive an e-mail inviting you to our Ticket Portal.\n\n1. Click **Create password** "
     "in the e-mail.\n2. Your e-mail address is already filled in; choose a password of at "
     "least 10 characters and type it twice.\n3. That's it — you are registered and logged "
     "in.\n\nThe link works once and expires after 7 days. If it has expired, ask your contact "
     "at support to send a new invitation."},
    {"getting-started", "go-to-customer-portal", "Going from the Help Center to your tickets",
     "Click **Go to customer portal** at the top right of any Help Center page. If you are "
     "logged in you land straight on your ticket list; otherwise you log in first and then "
     "land there."},
    {"tickets", "submit-a-ticket", "How to submit a ticket",
     "Click **Communicate with Support** and choose the type:\n\n| Type | Use it for |\n|---|---|"
     "\n| Problem/Bug | something does not work as it should |\n| Request | you need us to do or "
     "enable something |\n| Product Suggestion | an idea to make the product better |\n\nGive a "
     "short subject, describe what happened and attach screenshots or logs if you have them."},
    {"tickets", "ticket-statuses", "What each ticket status means",
     "Every ticket shows its current status and who it is waiting on. A status that starts "
     "with *Waiting on Customer* means we need something from you; every other open status "
     "means support is working on it. The full list is on the status definitions page."},
    {"tickets", "cc-a-colleague", "How to add a colleague to a ticket (CC)",
     "Open the ticket and use **Add CC** in the ticket information panel to add a colleague "
     "from your organization. They will see the ticket in their list and receive its e-mails."},
    {"tickets", "confirm-a-fix", "How to confirm a fix",
     "When a ticket is *Waiting on Customer (Fix Validation)*, check the fix and click **Confirm "
     "fix** on the ticket page. The ticket closes as resolved. If something is still wrong, "
     "reply instead and support will pick it up again."},
};

Result<std::int64_t> insert_id(Connection& c, std::string_view sql, const Params& params) {
  auto row = c.query_one(sql, params);
  if (!row) return std::unexpected(row.error());
  return row->integer(0);
}

}  // namespace

Result<DemoReport> load_demo(storage::Database& db, std::int64_t now) {
  DemoReport report;
  report.password = std::string(kDemoPassword);
  for (const auto& p : kPeople) {
    report.logins.push_back({std::string(p.role), std::string(p.email), std::string(p.name)});
  }
  // Hash once, outside the transaction (argon2id is slow on purpose).
  auto hash = crypto::hash_password(kDemoPassword);
  if (!hash) return std::unexpected(hash.error());

  auto loaded = db.transaction([&](Connection& c) -> Result<bool> {
    auto done = c.query_optional("SELECT value FROM settings WHERE key = 'demo_loaded'");
    if (!done) return std::unexpected(done.error());
    if (*done) return false;

    std::map<std::string, std::int64_t, std::less<>> orgs;
    for (auto [name, domain] : {std::pair{"Acme Logistics", "acme.example"},
                                std::pair{"Globex Retail", "globex.example"}}) {
      std::string key = name;
      for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto id = insert_id(c,
                          "INSERT INTO organizations (name, name_key, created_at) "
                          "VALUES ($1, $2, $3) RETURNING id",
                          Params(name, key, now - 400 * kDay));
      if (!id) return std::unexpected(id.error());
      orgs[name] = *id;
      auto d = c.execute(
          "INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2)",
          Params(domain, *id));
      if (!d) return std::unexpected(d.error());
    }

    std::map<std::string, std::int64_t, std::less<>> users;
    for (const auto& p : kPeople) {
      std::optional<std::int64_t> org;
      if (!p.org.empty()) org = orgs.at(std::string(p.org));
      auto id = insert_id(
          c,
          "INSERT INTO users (email, email_key, name, role, organization_id, is_key_contact, "
          "time_zone, password_hash, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, 'UTC', $7, $8, $8) RETURNING id",
          Params(p.email, p.email, p.name, p.role, org, p.key_contact, *hash, now - 300 * kDay));
      if (!id) return std::unexpected(id.error());
      users[std::string(p.email)] = *id;
      if (p.team != 0) {
        auto t = c.execute("INSERT INTO user_teams (user_id, team) VALUES ($1, $2)",
                           Params(*id, p.team));
        if (!t) return std::unexpected(t.error());
      }
    }

    std::int64_t support_agent = users.at("sam@portico.example");
    for (const auto& t : kTickets) {
      std::int64_t requester = users.at(std::string(t.requester));
      auto org = c.query_one("SELECT organization_id FROM users WHERE id = $1", Params(requester));
      if (!org) return std::unexpected(org.error());
      std::int64_t created = now - t.age_days * kDay - 3600;
      std::int64_t last = t.reply.empty() ? created : created + 3600;
      std::optional<std::int64_t> closed;
      std::optional<std::string> resolution;
      if (t.status == 15) {
        closed = last;
        resolution = "resolved-confirmed";
      }
      auto id = insert_id(
          c,
          "INSERT INTO tickets (type, subject, status, requester_id, organization_id, "
          "assignee_id, created_at, last_activity_at, status_changed_at, customer_activity_at, "
          "closed_at, resolution) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $7, $9, $10) "
          "RETURNING id",
          Params(t.type, t.subject, t.status, requester, org->integer(0),
                 t.status == 1 ? std::optional<std::int64_t>{} : support_agent, created, last,
                 closed, resolution));
      if (!id) return std::unexpected(id.error());
      auto m = c.execute(
          "INSERT INTO messages (ticket_id, author_id, body, is_internal, created_at) "
          "VALUES ($1, $2, $3, 0, $4)",
          Params(*id, requester, t.description, created));
      if (!m) return std::unexpected(m.error());
      auto e = c.execute(
          "INSERT INTO ticket_events (ticket_id, actor_id, kind, to_status, created_at) "
          "VALUES ($1, $2, 'created', 1, $3)",
          Params(*id, requester, created));
      if (!e) return std::unexpected(e.error());
      if (!t.reply.empty()) {
        auto r = c.execute(
            "INSERT INTO messages (ticket_id, author_id, body, is_internal, created_at) "
            "VALUES ($1, $2, $3, 0, $4)",
            Params(*id, support_agent, t.reply, last));
        if (!r) return std::unexpected(r.error());
      }
      if (t.status != 1) {
        auto s = c.execute(
            "INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status, "
            "created_at) VALUES ($1, $2, 'status_changed', 1, $3, $4)",
            Params(*id, support_agent, t.status, last));
        if (!s) return std::unexpected(s.error());
      }
    }
    auto cc = c.execute(
        "INSERT INTO ticket_ccs (ticket_id, user_id, added_at) "
        "SELECT id, $1, created_at FROM tickets WHERE subject = $2",
        Params(users.at("bob@acme.example"), kTickets[0].subject));
    if (!cc) return std::unexpected(cc.error());

    int position = 0;
    std::map<std::string, std::int64_t, std::less<>> categories;
    for (const auto& cat : kCategories) {
      auto id = insert_id(c,
                          "INSERT INTO article_categories (slug, name, description, position) "
                          "VALUES ($1, $2, $3, $4) RETURNING id",
                          Params(cat[0], cat[1], cat[2], position++));
      if (!id) return std::unexpected(id.error());
      categories[std::string(cat[0])] = *id;
    }
    for (const auto& a : kArticles) {
      auto id = insert_id(
          c,
          "INSERT INTO articles (category_id, slug, title, body, is_published, visibility, "
          "author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, 'everyone', $5, $6, $6) "
          "RETURNING id",
          Params(categories.at(std::string(a.category)), a.slug, a.title, a.body,
                 users.at("admin@portico.example"), now - 60 * kDay));
      if (!id) return std::unexpected(id.error());
      auto rev = c.execute(
          "INSERT INTO article_revisions (article_id, title, body, author_id, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          Params(*id, a.title, a.body, users.at("admin@portico.example"), now - 60 * kDay));
      if (!rev) return std::unexpected(rev.error());
    }

    auto mark = c.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('demo_loaded', '1', $1)",
        Params(now));
    if (!mark) return std::unexpected(mark.error());
    return true;
  });
  if (!loaded) return std::unexpected(loaded.error());
  report.loaded_now = *loaded;
  return report;
}

}  // namespace portico::app
