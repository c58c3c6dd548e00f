#include "portico/app/demo.hpp"

#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "portico/core/crypto.hpp"
#include "portico/core/markdown.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Connection;
using storage::Params;

constexpr std::string_view kDemoPassword = "portico-demo";
constexpr std::int64_t kDay = 86'400;

struct Person {
  std::string_view email, name, role, org;  // org: "" for staff
  int team;                                 // domain::Team code, 0 for none
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
     "Could you tell us roughly how many orders the export covers, and which browser you use?", 2},
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
  bool published = true;
  std::string_view visibility = "everyone";
  int views = 0;      // so that the home page's "Popular articles" has an order
  int age_days = 60;  // last updated this many days ago
};

constexpr std::string_view kCategories[][3] = {
    {"getting-started", "Getting started", "Registering, logging in and finding your way."},
    {"tickets", "Working with tickets", "Submitting, following and replying to tickets."},
    {"your-account", "Your account and organization",
     "Passwords, colleagues and what your organization sees."},
};

constexpr DemoArticle kArticles[] = {
    {"getting-started", "register-from-invitation", "How to register from your invitation e-mail",
     "Accounts are created by invitation: your contact at support (or a colleague who is an "
     "admin) invites you, and you receive an e-mail from the Ticket Portal.\n\n"
     "1. Click **Create password** in the e-mail.\n"
     "2. Your e-mail address is already filled in. Choose a password of at least 10 characters "
     "and type it twice.\n"
     "3. That's it: you are registered and logged in, and you land on your ticket list.\n\n"
     "The link works once and expires after 7 days. If it has expired, the page tells you so; "
     "ask your support contact to send a new invitation.\n\n"
     "Next time, log in with **Log in** at the top of any page.",
     true, "everyone", 140, 40},
    {"getting-started", "go-to-customer-portal", "Going from the Help Center to your tickets",
     "Click **Go to customer portal** at the top right of any Help Center page.\n\n"
     "- If you are logged in, you land straight on your ticket list: the Help Center and the "
     "portal share one login.\n"
     "- If you are not, you log in first and then land on your ticket list.\n\n"
     "From there, **Communicate with Support** opens a new ticket.",
     true, "everyone", 95, 55},
    {"getting-started", "searching-the-help-center", "Searching the Help Center",
     "Type a few words in the search box at the top of any Help Center page, for example "
     "*confirm fix* or *invitation*. Articles whose title matches come first, and each result "
     "shows the passage where your words appear.\n\n"
     "When no article has every word you typed, you see the articles that have some of them. "
     "Fewer, more specific words usually work best.",
     true, "everyone", 30, 12},
    {"tickets", "submit-a-ticket", "How to submit a ticket",
     "Click **Communicate with Support** and choose the type:\n\n| Type | Use it for |\n|---|---|"
     "\n| Problem/Bug | something does not work as it should |\n| Request | you need us to do or "
     "enable something |\n| Product Suggestion | an idea to make the product better |\n\n"
     "Give a short subject. While you type it, we suggest articles that may already answer "
     "your question. Then describe what happened, what you expected and the steps to see it, "
     "and attach screenshots or logs if you have them.\n\n"
     "You receive an e-mail confirming the ticket, and it appears in your ticket list with the "
     "status *Support Team (Notified)*.",
     true, "everyone", 260, 20},
    {"tickets", "ticket-statuses", "What each ticket status means",
     "Every ticket shows its current status and who it is waiting on.\n\n"
     "- A status that starts with *Waiting on Customer* means we need something from you: "
     "reply on the ticket and it moves on by itself.\n"
     "- Every other open status means one of our teams (Support, Product, Technical, "
     "Development or Deployment) is working on it.\n"
     "- *Closed* means the issue is resolved, or the ticket was closed because we did not hear "
     "back.\n\n"
     "Hover over (or focus) a status anywhere in the portal to read its definition. The full "
     "list, with every definition, is on the [status definitions page](/help/statuses).\n\n"
     "In your ticket list, the **Status** filter shows the tickets *pending on support* or "
     "*pending on you*.",
     true, "everyone", 210, 8},
    {"tickets", "cc-a-colleague", "How to add a colleague to a ticket (CC)",
     "Anyone from your organization can follow a ticket with you.\n\n"
     "- **When you submit it:** type their e-mail address or full name in *CC colleagues*; "
     "separate several with commas.\n"
     "- **Later:** open the ticket and use **Add a colleague** in the *CC* panel, then **Add "
     "CC**.\n\n"
     "CC'd colleagues see the ticket in their own list, can reply, and receive its e-mails. "
     "Use **Remove** beside a name to take someone off.",
     true, "everyone", 120, 30},
    {"tickets", "confirm-a-fix", "How to confirm a fix",
     "When a ticket is *Waiting on Customer (Fix Validation)*, we have given you a permanent "
     "fix, an interim fix (workaround) or a clarification of how the product behaves.\n\n"
     "1. Check the fix.\n"
     "2. If it works, open the ticket and click **Confirm fix** in *Does the fix work for "
     "you?*. The ticket is closed as resolved.\n"
     "3. If something is still wrong, or you have questions, **reply** instead: the ticket goes "
     "back to *Support Team (Fix Validation)* and a support agent picks it up.",
     true, "everyone", 150, 15},
    {"tickets", "why-was-my-ticket-closed", "Why was my ticket closed?",
     "A ticket closes when you confirm a fix, when you close it yourself, or when we have been "
     "waiting on you for too long.\n\n"
     "While a ticket is *Waiting on Customer*, we send you a reminder after **3 days** without "
     "a reply, and close the ticket after **7 days** (your support team may have chosen other "
     "delays).\n\n"
     "Reply to a closed ticket within two weeks and it opens again; after that, your reply "
     "starts a new follow-up ticket linked to the old one.",
     true, "everyone", 70, 25},
    {"your-account", "reset-your-password", "Forgot your password?",
     "On the **Log in** page, click **Forgot your password?** and enter your e-mail address. "
     "You receive an e-mail with a link to choose a new password; the link works once and "
     "expires after a short while.\n\n"
     "No e-mail? Check your spam folder, and ask a colleague whether your organization's mail "
     "filter holds mail from us.",
     true, "everyone", 80, 45},
    {"your-account", "organization-tickets", "Seeing your organization's tickets",
     "Your ticket list starts with the tickets you created or are CC'd on. To see every ticket "
     "of your organization, choose **View: My organization** above the list.\n\n"
     "Your organization's **key contacts** are the people our Deployment Team agrees "
     "deployment schedules with, once a fix is released. Ask us if they should change.",
     true, "customers", 45, 10},
    {"your-account", "keyboard-shortcuts", "Keyboard shortcuts",
     "Coming soon: shortcuts for the ticket list and the reply box.", false, "everyone", 0, 2},
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
      auto d =
          c.execute("INSERT INTO organization_domains (domain, organization_id) VALUES ($1, $2)",
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
      std::int64_t updated = now - a.age_days * kDay;
      auto id = insert_id(
          c,
          "INSERT INTO articles (category_id, slug, title, body, body_text, is_published, "
          "visibility, author_id, views, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
          Params(categories.at(std::string(a.category)), a.slug, a.title, a.body,
                 markdown::to_plain_text(a.body), a.published, a.visibility,
                 users.at("admin@portico.example"), a.views, now - 90 * kDay, updated));
      if (!id) return std::unexpected(id.error());
      auto rev = c.execute(
          "INSERT INTO article_revisions (article_id, title, body, author_id, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          Params(*id, a.title, a.body, users.at("admin@portico.example"), updated));
      if (!rev) return std::unexpected(rev.error());
    }

    auto mark =
        c.execute("INSERT INTO settings (key, value, updated_at) VALUES ('demo_loaded', '1', $1)",
                  Params(now));
    if (!mark) return std::unexpected(mark.error());
    return true;
  });
  if (!loaded) return std::unexpected(loaded.error());
  report.loaded_now = *loaded;
  return report;
}

}  // namespace portico::app
