// Black-box tests of accounts and the admin area: the real binary on a fresh database of the
// backend named by PORTICO_TEST_DATABASE, driven over HTTP like a browser and through its command
// line. People are created the way a newcomer would: `portico admin create`, `portico org create`
// and `portico invite`, then the Create password page. Password hashing is slow (argon2id, more
// so under ASan), so logins and registrations are kept to a minimum.

#include <libpq-fe.h>
#include <sqlite3.h>

#include <regex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "support/html.hpp"
#include "support/http_client.hpp"
#include "support/server.hpp"

namespace portico::test {
namespace {

constexpr std::string_view kPassword = "violet-harbour-lantern";
constexpr std::string_view kOrganization = "Acme Logistics";

// The first capture of re in text, or "".
std::string find(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(pattern)) && match.size() > 1) return match[1];
  return {};
}

std::string csrf_of(const HttpResponse& page) {
  return find(page.body, R"re(name="_csrf" value="([0-9a-f]{64})")re");
}

// The token of a Create password or reset link in a mail, a page or the CLI's output.
std::string token_in(const std::string& text) { return find(text, R"re(token=([0-9a-f]{64}))re"); }

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

// Runs one SQL statement on the test database and returns its rows, every cell as text.
std::vector<std::vector<std::string>> run_sql(const std::string& url, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  if (url.starts_with("sqlite:")) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(url.substr(7).c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string message = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("cannot open " + url + ": " + message);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      std::string message = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error(sql + ": " + message);
    }
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
    std::string message = step == SQLITE_DONE ? "" : sqlite3_errmsg(db);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (!message.empty()) throw std::runtime_error(sql + ": " + message);
    return rows;
  }
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    throw std::runtime_error(sql + ": " + message);
  }
  for (int r = 0; r < PQntuples(result); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(result); ++c) row.emplace_back(PQgetvalue(result, r, c));
    rows.push_back(std::move(row));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

// ---------------------------------------------------------------------------------------------
// One server for the suite, with an admin, an agent and a customer logged in.

class AccountsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    try {
      owned_ = start_server({});
      // The first admin, an organization, an agent and a customer: as a newcomer makes them.
      admin_ = registered(
          cli_ok({"admin", "create", "--email", "ada@portico.test", "--name", "Ada Admin"}));
      cli_ok({"org", "create", std::string(kOrganization), "--domain", "acme.example"});
      agent_ = registered(cli_ok({"invite", "--email", "sam@portico.test", "--name", "Sam Support",
                                  "--role", "agent", "--team", "support"}));
      customer_ = registered(cli_ok({"invite", "--email", "carla@acme.example", "--name",
                                     "Carla Customer", "--org", std::string(kOrganization)}));
    } catch (const std::exception& e) {
      FAIL() << "[backend: " << backend_name() << "] " << e.what();
    }
  }

  static void TearDownTestSuite() {
    admin_.reset();
    agent_.reset();
    customer_.reset();
    if (owned_.server) expect_clean_exit(owned_.server->stop(), "AccountsTest");
    owned_ = {};
  }

 protected:
  void SetUp() override {
    ASSERT_TRUE(owned_.server && admin_ && agent_ && customer_) << "the suite did not start";
    ::testing::Test::RecordProperty("backend", backend_name());
  }

  void TearDown() override {
    if (owned_.server && !owned_.server->running()) {
      ADD_FAILURE() << "[backend: " << backend_name()
                    << "] the server is no longer running after this test; its stderr:\n"
                    << owned_.server->stderr_text();
    }
  }

  static std::string url() { return owned_.database->url(); }
  static std::string base_url() { return owned_.server->base_url(); }

  // Runs `portico ARGS` against the suite's database.
  static CommandResult cli(std::vector<std::string> args) {
    args.insert(args.end(), {"--database-url", url(), "--log-level", "warn"});
    return run_binary(args);
  }

  // Runs a command that must succeed; returns its stdout.
  static std::string cli_ok(const std::vector<std::string>& args) {
    auto r = cli(args);
    if (r.exit_code != 0 || has_sanitizer_report(r.err)) {
      std::string command;
      for (const auto& a : args) command += " " + a;
      throw std::runtime_error("`portico" + command + "` failed (exit " +
                               std::to_string(r.exit_code) + "):\n" + r.err);
    }
    return r.out;
  }

  // Uses a Create password link (from the CLI's output) in a new browser: logged in afterwards.
  // Every test shares one IP and its budget on the link pages (30 at once), so tests use the
  // link pages sparingly.
  static std::unique_ptr<HttpClient> registered(const std::string& cli_output,
                                                std::string_view password = kPassword) {
    std::string token = token_in(cli_output);
    if (token.empty()) throw std::runtime_error("no Create password link in:\n" + cli_output);
    auto browser = std::make_unique<HttpClient>(base_url());
    // The CSRF cookie from any page: the link pages are rate-limited per IP, so spare them.
    auto form = browser->get("/login");
    auto done =
        browser->post_form("/create-password", {{"_csrf", csrf_of(form)},
                                                {"token", token},
                                                {"password", std::string(password)},
                                                {"password_confirm", std::string(password)}});
    if (done.status != 303) {
      throw std::runtime_error("POST /create-password: " + std::to_string(done.status) + "\n" +
                               done.body);
    }
    return browser;
  }

  // The CSRF token of a logged-in browser (bound to its session), read from a page's form.
  static std::string csrf_for(HttpClient& browser) {
    auto page = browser.get("/account");
    EXPECT_EQ(page.status, 200) << page.body;
    return csrf_of(page);
  }

  // The newest message in the outbox, as the admin page shows it.
  static HttpResponse newest_mail() {
    auto list = admin_->get("/admin/outbox");
    EXPECT_EQ(list.status, 200);
    std::string id = find(list.body, R"re(href="/admin/outbox/(\d+)")re");
    EXPECT_FALSE(id.empty()) << list.body;
    return admin_->get("/admin/outbox/" + id);
  }

  // The id in /admin/users/{id} of the person with this e-mail address.
  static std::string user_id(const std::string& email) {
    auto page = admin_->get("/admin/users?q=" + url_encode(email));
    EXPECT_EQ(page.status, 200);
    return find(page.body, R"re(<a href="/admin/users/(\d+)">[^<]*</a></td>\s*<td>)re" + email);
  }

  // No column of the account tables holds any of these values in clear.
  static void expect_not_stored(const std::vector<std::string>& secrets) {
    bool sqlite = url().starts_with("sqlite:");
    for (const char* table : {"sessions", "user_tokens", "users"}) {
      std::string sql = sqlite ? std::string("SELECT * FROM ") + table
                               : std::string("SELECT t::text FROM ") + table + " t";
      auto rows = run_sql(url(), sql);
      EXPECT_FALSE(rows.empty()) << table;
      for (const auto& row : rows) {
        for (const auto& cell : row) {
          for (const auto& secret : secrets) {
            ASSERT_FALSE(secret.empty());
            EXPECT_FALSE(contains(cell, secret))
                << "[backend: " << backend_name() << "] " << table << " holds a secret in clear";
          }
        }
      }
    }
    for (const auto& row : run_sql(url(),
                                   "SELECT password_hash FROM users WHERE password_hash "
                                   "IS NOT NULL")) {
      EXPECT_TRUE(row[0].starts_with("$argon2id$")) << "not an argon2id hash";
    }
  }

  static inline OwnedServer owned_;
  static inline std::unique_ptr<HttpClient> admin_;
  static inline std::unique_ptr<HttpClient> agent_;
  static inline std::unique_ptr<HttpClient> customer_;
};

TEST_F(AccountsTest, InvitationFromTheAdminPageLeadsToALoggedInCustomer) {
  // The admin invites someone from the admin area.
  auto form = admin_->get("/admin/users/invite");
  ASSERT_EQ(form.status, 200);
  EXPECT_TRUE(contains(form.body, R"(name="emails")"));
  EXPECT_TRUE(contains(form.body, std::string(kOrganization)));
  auto sent =
      admin_->post_form("/admin/users/invite", {{"_csrf", csrf_of(form)},
                                                {"emails", "nina@acme.example"},
                                                {"name", "Nina New"},
                                                {"role", "customer"},
                                                {"organization", std::string(kOrganization)}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_TRUE(contains(sent.body, "1 of 1 invitation sent.")) << sent.body;

  // The invitation is in the outbox, with its link; the HTML part is shown sandboxed.
  auto mail = newest_mail();
  ASSERT_EQ(mail.status, 200);
  EXPECT_TRUE(contains(mail.body, "nina@acme.example")) << mail.body;
  EXPECT_TRUE(std::regex_search(mail.body, std::regex(R"(<iframe[^>]*sandbox)")));
  EXPECT_FALSE(contains(mail.body, "<a href=\"http")) << "the mail's HTML is injected raw";
  std::string token = token_in(mail.body);
  ASSERT_FALSE(token.empty()) << mail.body;
  std::string html_href = find(mail.body, R"re(src="(/admin/outbox/\d+/html)")re");
  auto html = admin_->get(html_href);
  EXPECT_EQ(html.status, 200);
  EXPECT_TRUE(contains(html.header("Content-Security-Policy").value_or(""), "sandbox"));

  // Follow the link: the e-mail address is there and cannot be changed.
  HttpClient browser(base_url());
  auto page = browser.get("/create-password?token=" + token);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(std::regex_search(
      page.body, std::regex(R"(<input id="email"[^>]*value="nina@acme\.example"[^>]*readonly)")))
      << page.body;
  std::string csrf = csrf_of(page);

  // Weak passwords are refused with the reason.
  auto try_password = [&](const std::string& password) {
    return browser.post_form("/create-password", {{"_csrf", csrf},
                                                  {"token", token},
                                                  {"password", password},
                                                  {"password_confirm", password}});
  };
  auto too_short = try_password("short");
  EXPECT_EQ(too_short.status, 400);
  EXPECT_TRUE(contains(too_short.body, "too short")) << too_short.body;
  auto common = try_password("password123");
  EXPECT_EQ(common.status, 400);
  EXPECT_TRUE(contains(common.body, "commonly used")) << common.body;
  auto own_address = try_password("nina@acme.example");
  EXPECT_EQ(own_address.status, 400);
  EXPECT_TRUE(contains(own_address.body, "must not be your e-mail address"));

  // A good password registers the account and lands in the Ticket Portal, logged in.
  auto done = try_password(std::string(kPassword));
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.header("Location").value_or(""), "/tickets");
  std::string first_session = browser.cookie("portico_session").value_or("");
  ASSERT_FALSE(first_session.empty());
  auto account = browser.get("/account");
  ASSERT_EQ(account.status, 200);
  EXPECT_TRUE(contains(account.body, "nina@acme.example"));

  // Log out, then log in again with the new password.
  auto out = browser.post_form("/logout", {{"_csrf", csrf_of(account)}});
  EXPECT_EQ(out.status, 303);
  auto after = browser.get("/account");
  EXPECT_EQ(after.status, 303);
  EXPECT_TRUE(after.header("Location").value_or("").starts_with("/login"));
  auto login_form = browser.get("/login");
  auto login = browser.post_form("/login", {{"_csrf", csrf_of(login_form)},
                                            {"email", "Nina@Acme.example"},
                                            {"password", std::string(kPassword)}});
  ASSERT_EQ(login.status, 303) << login.body;
  EXPECT_EQ(login.header("Location").value_or(""), "/tickets");
  std::string second_session = browser.cookie("portico_session").value_or("");
  EXPECT_NE(second_session, first_session) << "the session was not rotated on login";
  EXPECT_EQ(browser.get("/account").status, 200);

  // The link worked once.
  auto again = browser.get("/create-password?token=" + token);
  EXPECT_EQ(again.status, 410);
  EXPECT_TRUE(contains(again.body, "already been used")) << again.body;

  expect_not_stored({token, std::string(kPassword), first_session, second_session});
}

TEST_F(AccountsTest, ExpiredForgedAndReplacedLinksGetAPageThatSaysSo) {
  HttpClient browser(base_url());
  std::string forged(64, 'a');
  for (const char* path : {"/create-password", "/reset-password"}) {
    auto r = browser.get(std::string(path) + "?token=" + forged);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_TRUE(contains(r.body, "not valid")) << r.body;
  }
  EXPECT_EQ(browser.get("/create-password?token=..%2F..%2Fetc").status, 404);
  auto login_form = browser.get("/login");
  auto post = browser.post_form("/create-password", {{"_csrf", csrf_of(login_form)},
                                                     {"token", forged},
                                                     {"password", std::string(kPassword)},
                                                     {"password_confirm", std::string(kPassword)}});
  EXPECT_EQ(post.status, 404);

  // Expired: move the link's expiry into the past.
  std::string token = token_in(
      cli_ok({"invite", "--email", "late@acme.example", "--org", std::string(kOrganization)}));
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(browser.get("/create-password?token=" + token).status, 200);
  run_sql(url(),
          "UPDATE user_tokens SET expires_at = 1 WHERE user_id = "
          "(SELECT id FROM users WHERE email_key = 'late@acme.example')");
  auto expired = browser.get("/create-password?token=" + token);
  EXPECT_EQ(expired.status, 410);
  EXPECT_TRUE(contains(expired.body, "expired")) << expired.body;
  EXPECT_TRUE(contains(expired.body, "new invitation")) << "the page should say what to do";

  // Inviting again sends a new link, and the old one stops working.
  std::string fresh = token_in(
      cli_ok({"invite", "--email", "late@acme.example", "--org", std::string(kOrganization)}));
  ASSERT_FALSE(fresh.empty());
  EXPECT_NE(fresh, token);
  EXPECT_EQ(browser.get("/create-password?token=" + fresh).status, 200);
  EXPECT_EQ(browser.get("/create-password?token=" + token).status, 404);
}

TEST_F(AccountsTest, ForgotPasswordAnswersAlikeAndTheResetLinkWorksOnce) {
  auto rita = registered(
      cli_ok({"invite", "--email", "rita@acme.example", "--org", std::string(kOrganization)}));
  HttpClient browser(base_url());
  auto form = browser.get("/forgot-password");
  ASSERT_EQ(form.status, 200);
  std::string csrf = csrf_of(form);
  auto known =
      browser.post_form("/forgot-password", {{"_csrf", csrf}, {"email", "rita@acme.example"}});
  auto unknown =
      browser.post_form("/forgot-password", {{"_csrf", csrf}, {"email", "nobody@acme.example"}});
  ASSERT_EQ(known.status, 200);
  ASSERT_EQ(unknown.status, 200);
  EXPECT_EQ(replace_all(known.body, "rita@acme.example", "ADDRESS"),
            replace_all(unknown.body, "nobody@acme.example", "ADDRESS"));

  // Only the real account got mail.
  auto list = admin_->get("/admin/outbox");
  EXPECT_FALSE(contains(list.body, "nobody@acme.example"));
  auto mail = newest_mail();
  EXPECT_TRUE(contains(mail.body, "rita@acme.example")) << mail.body;
  EXPECT_TRUE(contains(mail.body, "/reset-password?token=")) << mail.body;
  std::string token = token_in(mail.body);
  ASSERT_FALSE(token.empty());

  auto page = browser.get("/reset-password?token=" + token);
  ASSERT_EQ(page.status, 200);
  std::string new_password = "amber-meadow-compass";
  auto reset = browser.post_form("/reset-password", {{"_csrf", csrf_of(page)},
                                                     {"token", token},
                                                     {"password", new_password},
                                                     {"password_confirm", new_password}});
  ASSERT_EQ(reset.status, 303) << reset.body;
  EXPECT_EQ(reset.header("Location").value_or(""), "/tickets");
  EXPECT_EQ(browser.get("/account").status, 200);
  EXPECT_EQ(rita->get("/account").status, 303) << "the other session survived the reset";

  HttpClient other(base_url());
  auto used = other.get("/reset-password?token=" + token);
  EXPECT_EQ(used.status, 410);
  EXPECT_TRUE(contains(used.body, "already been used"));
  auto repost = other.post_form("/reset-password", {{"_csrf", csrf_of(other.get("/login"))},
                                                    {"token", token},
                                                    {"password", "another-long-password"},
                                                    {"password_confirm", "another-long-password"}});
  EXPECT_EQ(repost.status, 410);

  expect_not_stored({token, new_password});
}

TEST_F(AccountsTest, LoginIsRateLimitedPerAccount) {
  HttpClient browser(base_url());
  std::string csrf = csrf_of(browser.get("/login"));
  long last = 0;
  int refused = 0;
  for (int attempt = 1; attempt <= 11 && last != 429; ++attempt) {
    auto r = browser.post_form(
        "/login",
        {{"_csrf", csrf}, {"email", "carla@acme.example"}, {"password", "not-her-password"}});
    last = r.status;
    if (r.status == 401) {
      ++refused;
      EXPECT_TRUE(contains(r.body, "e-mail address or password is not right"));
    } else {
      ASSERT_EQ(r.status, 429) << "attempt " << attempt;
      auto retry = r.header("Retry-After");
      ASSERT_TRUE(retry.has_value());
      EXPECT_GE(std::stol(*retry), 1);
    }
  }
  EXPECT_EQ(last, 429);
  EXPECT_EQ(refused, 10);
}

TEST_F(AccountsTest, FormsWithoutTheRightCsrfTokenAreRefused) {
  HttpClient browser(base_url());
  browser.get("/login");
  auto missing = browser.post_form(
      "/login", {{"email", "carla@acme.example"}, {"password", std::string(kPassword)}});
  EXPECT_EQ(missing.status, 403);
  auto wrong = browser.post_form("/login", {{"_csrf", std::string(64, 'b')},
                                            {"email", "carla@acme.example"},
                                            {"password", std::string(kPassword)}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_FALSE(browser.cookie("portico_session").has_value());

  // Logged in, the token is bound to the session: the cookie's token is not enough.
  auto no_token = admin_->post_form("/admin/organizations", {{"name", "Initech"}});
  EXPECT_EQ(no_token.status, 403);
  auto bad_token = admin_->post_form("/admin/organizations",
                                     {{"_csrf", std::string(64, 'c')}, {"name", "Initech"}});
  EXPECT_EQ(bad_token.status, 403);
  EXPECT_FALSE(contains(admin_->get("/admin/organizations").body, "Initech"));
}

TEST_F(AccountsTest, AdminPagesCheckTheRole) {
  for (const char* path : {"/admin/users", "/admin/users/invite", "/admin/organizations",
                           "/admin/outbox", "/admin/users/1"}) {
    EXPECT_EQ(customer_->get(path).status, 403) << "customer, " << path;
  }
  for (const char* path :
       {"/admin/organizations", "/admin/outbox", "/admin/outbox/1", "/admin/users/1"}) {
    EXPECT_EQ(agent_->get(path).status, 403) << "agent, " << path;
  }
  EXPECT_EQ(agent_->get("/admin/users").status, 200);
  HttpClient anonymous(base_url());
  auto login = anonymous.get("/admin/users");
  EXPECT_EQ(login.status, 303);
  EXPECT_TRUE(login.header("Location").value_or("").starts_with("/login?next="));

  // An agent may invite customers, not agents; the server checks, whatever the form offered.
  std::string csrf = csrf_for(*agent_);
  auto staff = agent_->post_form(
      "/admin/users/invite",
      {{"_csrf", csrf}, {"emails", "eve@portico.test"}, {"role", "agent"}, {"teams", "support"}});
  EXPECT_EQ(staff.status, 403);
  EXPECT_TRUE(contains(staff.body, "Agents can invite customers only.")) << staff.body;
  auto customers = agent_->post_form("/admin/users/invite",
                                     {{"_csrf", csrf},
                                      {"emails", "olga@acme.example,\npete@acme.example; bad@"},
                                      {"role", "customer"},
                                      {"organization", std::string(kOrganization)}});
  EXPECT_EQ(customers.status, 400) << "one bad address: nothing is sent";
  EXPECT_TRUE(contains(customers.body, "olga@acme.example,\npete@acme.example; bad@"))
      << "the form should keep what was typed";
  customers =
      agent_->post_form("/admin/users/invite", {{"_csrf", csrf},
                                                {"emails", "olga@acme.example,\npete@acme.example"},
                                                {"role", "customer"},
                                                {"organization", std::string(kOrganization)}});
  EXPECT_EQ(customers.status, 200);
  EXPECT_TRUE(contains(customers.body, "2 of 2 invitations sent.")) << customers.body;
  auto org = agent_->post_form("/admin/organizations", {{"_csrf", csrf}, {"name", "Initech"}});
  EXPECT_EQ(org.status, 403);
}

TEST_F(AccountsTest, AdminManagesOrganizationsAndPeople) {
  std::string csrf = csrf_for(*admin_);
  auto created = admin_->post_form(
      "/admin/organizations",
      {{"_csrf", csrf}, {"name", "Globex Retail"}, {"domains", "globex.example, @GLOBEX.org"}});
  ASSERT_EQ(created.status, 303) << created.body;
  std::string org_path = find(created.header("Location").value_or(""),
                              R"(^(/admin/organizations/\d+)\?done=created$)");
  ASSERT_FALSE(org_path.empty()) << created.header("Location").value_or("");
  auto org = admin_->get(org_path);
  ASSERT_EQ(org.status, 200);
  EXPECT_TRUE(contains(org.body, "globex.example"));
  EXPECT_TRUE(contains(org.body, "globex.org"));

  auto duplicate =
      admin_->post_form("/admin/organizations", {{"_csrf", csrf}, {"name", "GLOBEX retail"}});
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_TRUE(contains(duplicate.body, "already an organization")) << duplicate.body;
  auto taken =
      admin_->post_form(org_path + "/domains", {{"_csrf", csrf}, {"domain", "acme.example"}});
  EXPECT_EQ(taken.status, 409);
  EXPECT_TRUE(contains(taken.body, "already belongs to Acme Logistics")) << taken.body;
  auto invalid =
      admin_->post_form(org_path + "/domains", {{"_csrf", csrf}, {"domain", "not a domain"}});
  EXPECT_EQ(invalid.status, 400);
  auto renamed = admin_->post_form(org_path, {{"_csrf", csrf}, {"name", "Globex"}});
  EXPECT_EQ(renamed.status, 303);
  EXPECT_TRUE(contains(admin_->get(org_path).body, "<h1>Globex</h1>"));

  // Unknown and malformed ids are pages that do not exist.
  for (const char* path : {"/admin/users/abc", "/admin/users/999999", "/admin/users/-1",
                           "/admin/organizations/0", "/admin/outbox/x", "/admin/outbox/999999"}) {
    EXPECT_EQ(admin_->get(path).status, 404) << path;
  }

  // Search and filter.
  auto search = admin_->get("/admin/users?q=CARLA");
  EXPECT_TRUE(contains(search.body, "carla@acme.example"));
  EXPECT_FALSE(contains(search.body, "sam@portico.test"));
  auto agents = admin_->get("/admin/users?role=agent");
  EXPECT_TRUE(contains(agents.body, "sam@portico.test"));
  EXPECT_FALSE(contains(agents.body, "carla@acme.example"));

  // Key contacts are customers of the organization.
  std::string acme = find(admin_->get("/admin/organizations").body,
                          R"re(href="/admin/organizations/(\d+)">Acme Logistics<)re");
  ASSERT_FALSE(acme.empty());
  auto members = admin_->get("/admin/users?organization=" + acme + "&page=x");
  EXPECT_EQ(members.status, 200);
  EXPECT_TRUE(contains(members.body, "carla@acme.example"));
  EXPECT_FALSE(contains(members.body, "sam@portico.test"));
  std::string carla = user_id("carla@acme.example");
  std::string sam = user_id("sam@portico.test");
  ASSERT_FALSE(carla.empty());
  ASSERT_FALSE(sam.empty());
  auto key = admin_->post_form("/admin/organizations/" + acme + "/key-contacts",
                               {{"_csrf", csrf}, {"user_id", carla}, {"key_contact", "1"}});
  EXPECT_EQ(key.status, 303);
  EXPECT_TRUE(contains(admin_->get("/admin/users?q=carla").body, "key contact"));
  auto not_member = admin_->post_form("/admin/organizations/" + acme + "/key-contacts",
                                      {{"_csrf", csrf}, {"user_id", sam}, {"key_contact", "1"}});
  EXPECT_EQ(not_member.status, 404);

  // Role rules: staff need a team, customers an organization.
  auto no_team = admin_->post_form(
      "/admin/users/" + carla, {{"_csrf", csrf}, {"name", "Carla Customer"}, {"role", "agent"}});
  EXPECT_EQ(no_team.status, 400);
  EXPECT_TRUE(contains(no_team.body, "at least one team")) << no_team.body;
  auto no_org = admin_->post_form(
      "/admin/users/" + sam,
      {{"_csrf", csrf}, {"name", "Sam Support"}, {"role", "customer"}, {"organization_id", ""}});
  EXPECT_EQ(no_org.status, 400);
  auto teams = admin_->post_form("/admin/users/" + sam, {{"_csrf", csrf},
                                                         {"name", "Sam Support"},
                                                         {"role", "agent"},
                                                         {"teams", "support"},
                                                         {"teams", "technical"}});
  EXPECT_EQ(teams.status, 303) << teams.body;
  EXPECT_TRUE(contains(admin_->get("/admin/users?q=sam").body, "Support Team, Technical Team"));

  // The admin cannot deactivate or demote themselves.
  std::string ada = user_id("ada@portico.test");
  ASSERT_FALSE(ada.empty());
  auto self = admin_->post_form("/admin/users/" + ada + "/deactivate", {{"_csrf", csrf}});
  EXPECT_EQ(self.status, 409);
  EXPECT_TRUE(contains(self.body, "cannot deactivate yourself"));
  auto demote = admin_->post_form(
      "/admin/users/" + ada,
      {{"_csrf", csrf}, {"name", "Ada Admin"}, {"role", "agent"}, {"teams", "support"}});
  EXPECT_EQ(demote.status, 409);

  // Deactivating ends the person's sessions; reactivating lets them back.
  auto dave = registered(
      cli_ok({"invite", "--email", "dave@acme.example", "--org", std::string(kOrganization)}));
  ASSERT_EQ(dave->get("/account").status, 200);
  std::string dave_id = user_id("dave@acme.example");
  auto off = admin_->post_form("/admin/users/" + dave_id + "/deactivate", {{"_csrf", csrf}});
  EXPECT_EQ(off.status, 303);
  EXPECT_EQ(dave->get("/account").status, 303) << "a deactivated person is still logged in";
  EXPECT_TRUE(contains(admin_->get("/admin/users?q=dave").body, "Deactivated"));
  auto on = admin_->post_form("/admin/users/" + dave_id + "/reactivate", {{"_csrf", csrf}});
  EXPECT_EQ(on.status, 303);
  EXPECT_TRUE(contains(admin_->get("/admin/users?q=dave").body, "Registered"));

  // Resending an invitation replaces the link.
  std::string late = token_in(
      cli_ok({"invite", "--email", "resend@acme.example", "--org", std::string(kOrganization)}));
  std::string resend_id = user_id("resend@acme.example");
  auto resent =
      admin_->post_form("/admin/users/" + resend_id + "/resend-invitation", {{"_csrf", csrf}});
  EXPECT_EQ(resent.status, 303);
  std::string fresh = token_in(newest_mail().body);
  EXPECT_FALSE(fresh.empty());
  EXPECT_NE(fresh, late);
  HttpClient browser(base_url());
  EXPECT_EQ(browser.get("/create-password?token=" + late).status, 404);
  EXPECT_EQ(browser.get("/create-password?token=" + fresh).status, 200);
}

TEST_F(AccountsTest, CommandLineInvitesAndShowsTheOutbox) {
  auto no_org = cli({"invite", "--email", "x@acme.example", "--org", "No Such Org"});
  EXPECT_EQ(no_org.exit_code, 1);
  EXPECT_TRUE(contains(no_org.err, "portico org create")) << no_org.err;
  EXPECT_EQ(std::count(no_org.err.begin(), no_org.err.end(), '\n'), 1) << no_org.err;
  auto no_team =
      cli({"invite", "--email", "x@portico.test", "--role", "agent", "--team", "wizards"});
  EXPECT_EQ(no_team.exit_code, 1);
  EXPECT_TRUE(contains(no_team.err, "There is no team 'wizards'")) << no_team.err;
  EXPECT_EQ(cli({"invite", "--name", "No Address"}).exit_code, 2);
  EXPECT_EQ(cli({"org", "create"}).exit_code, 2);
  EXPECT_EQ(cli({"org", "create", "acme LOGISTICS"}).exit_code, 1);
  EXPECT_EQ(cli({"outbox", "show", "abc"}).exit_code, 2);
  EXPECT_EQ(cli({"outbox", "show", "999999"}).exit_code, 1);

  auto umbrella = cli({"org", "create", "Umbrella Corp", "--domain", "umbrella.example"});
  EXPECT_EQ(umbrella.exit_code, 0) << umbrella.err;
  auto invited = cli({"invite", "--email", "ivy@umbrella.example", "--org", "umbrella corp"});
  ASSERT_EQ(invited.exit_code, 0) << invited.err;
  std::string token = token_in(invited.out);
  ASSERT_FALSE(token.empty()) << invited.out;

  auto list = cli({"outbox", "list", "--limit", "3"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::string id = find(list.out, R"(\n\s*(\d+)\s+queued\s+.*ivy@umbrella\.example)");
  ASSERT_FALSE(id.empty()) << list.out;
  auto show = cli({"outbox", "show", id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(contains(show.out, "<ivy@umbrella.example>")) << show.out;
  EXPECT_TRUE(contains(show.out, "Subject: ")) << show.out;
  EXPECT_TRUE(contains(show.out, "text/plain")) << show.out;
  EXPECT_TRUE(contains(show.out, "text/html")) << show.out;
  EXPECT_TRUE(contains(show.out, "/create-password?token=" + token)) << show.out;

  // Each run of the sanitized binary costs a second: a sample of the help texts.
  for (std::vector<std::string> help : {std::vector<std::string>{"invite", "--help"},
                                        {"admin", "create", "--help"},
                                        {"outbox", "show", "--help"},
                                        {"org", "--help"}}) {
    auto r = run_binary(help);
    EXPECT_EQ(r.exit_code, 0) << help.front();
    EXPECT_TRUE(contains(r.out, "Usage: portico")) << r.out;
  }
}

// `portico admin create` is how the first admin is made, before anything else exists.
TEST(AccountsCommandLine, AdminCreateWorksOnAnEmptyDatabase) {
  auto database = TestDatabase::create();
  auto created = run_binary({"admin", "create", "--email", "root@portico.test", "--name", "Root",
                             "--database-url", database->url(), "--log-level", "warn"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_FALSE(token_in(created.out).empty()) << created.out;
  auto shown =
      run_binary({"outbox", "show", "1", "--database-url", database->url(), "--log-level", "warn"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, "root@portico.test"));
  EXPECT_TRUE(contains(shown.out, "/create-password?token=" + token_in(created.out)));
  auto again = run_binary(
      {"admin", "create", "--email", "root@portico.test", "--database-url", database->url()});
  EXPECT_EQ(again.exit_code, 2) << "--name is required";
}

}  // namespace
}  // namespace portico::test
