// Black-box tests of the wording of the status definitions, on the demo data and the backend named
// by PORTICO_TEST_DATABASE: once an admin rewords a status on /admin/help/statuses, the customer's
// ticket page and ticket list, the desk and ticket e-mail explain the status in that wording;
// restoring the built-in definition brings it back everywhere.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "portico/domain/status.hpp"
#include "support/html.hpp"
#include "support/http_client.hpp"
#include "support/server.hpp"
#include "support/session.hpp"

namespace portico::test {
namespace {

constexpr auto kStatus = domain::Status::kWaitingOnCustomerInitialInformation;
constexpr std::string_view kReworded =
    "Send us the printer model and the driver version (kestrelmoss) so that we can start.";

class StatusWordingTest : public ServerSuite<StatusWordingTest> {
 public:
  static ServerOptions options() { return {.load_demo = true, .extra_args = {}}; }

 protected:
  // A logged-in person's browser.
  struct Browser {
    explicit Browser(std::string_view email) : client(base_url()), csrf(log_in(client, email)) {}
    HttpClient client;
    std::string csrf;
  };

  // Alice opens a ticket and Sam asks her for information; returns the ticket's ID.
  static std::string ticket_waiting_on_alice(Browser& alice, Browser& sam,
                                             const std::string& subject) {
    auto created = alice.client.post_multipart(
        "/tickets/new", {{"_csrf", alice.csrf, std::nullopt, ""},
                         {"type", "problem", std::nullopt, ""},
                         {"subject", subject, std::nullopt, ""},
                         {"description", "Labels come out blank.", std::nullopt, ""}});
    EXPECT_EQ(created.status, 303) << created.body.substr(0, 500);
    std::string id = first_match(created.header("Location").value_or(""), R"(/tickets/(\d+))");
    EXPECT_FALSE(id.empty());
    auto moved = sam.client.post_form("/desk/tickets/" + id + "/status",
                                      {{"_csrf", sam.csrf},
                                       {"to", std::string(domain::status_slug(kStatus))},
                                       {"message", "Which printer do you use?"}});
    EXPECT_EQ(moved.status, 303) << moved.body.substr(0, 500);
    return id;
  }

  // Saves the admin's wording of kStatus; "" restores the built-in one.
  static void reword(Browser& admin, std::string_view definition) {
    auto saved =
        admin.client.post_form("/admin/help/statuses/" + std::to_string(domain::to_code(kStatus)),
                               {{"_csrf", admin.csrf},
                                {"definition", std::string(definition)},
                                {"action", definition.empty() ? "restore" : "save"}});
    ASSERT_EQ(saved.status, 303) << saved.body.substr(0, 500);
  }

  // The text part of the newest mail to Alice about ticket `id`, from the admin's outbox page.
  static std::string newest_mail_to_alice(Browser& admin, const std::string& id) {
    auto list = admin.client.get("/admin/outbox");
    EXPECT_EQ(list.status, 200);
    std::string entry = first_match(
        list.body, R"re(alice@acme\.example[^<]*</td>\s*<td><a href="(/admin/outbox/\d+)">\[#)re" +
                       id + R"(\])");
    EXPECT_FALSE(entry.empty()) << "no mail to Alice about #" << id;
    if (entry.empty()) return {};
    auto mail = admin.client.get(entry);
    EXPECT_EQ(mail.status, 200);
    return mail.body;
  }

  // What Alice and Sam see of ticket `id` (the ticket page, Alice's tickets pending on her, the
  // desk's ticket page), and the mail Alice got, all explain the status in `wording`.
  static void expect_explained_as(Browser& alice, Browser& sam, Browser& admin,
                                  const std::string& id, std::string_view wording,
                                  std::string_view other) {
    std::string shown = html_escape(wording);
    std::string not_shown = html_escape(other);
    auto page = alice.client.get("/tickets/" + id);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, shown)) << "ticket page";
    EXPECT_FALSE(contains(page.body, not_shown)) << "ticket page";
    auto list = alice.client.get("/tickets?status=pending-me");
    ASSERT_EQ(list.status, 200);
    EXPECT_TRUE(contains(list.body, "/tickets/" + id + "\"")) << "the ticket is in the list";
    EXPECT_TRUE(contains(list.body, "role=\"tooltip\">" + shown + "</span>")) << "ticket list";
    EXPECT_FALSE(contains(list.body, not_shown)) << "ticket list";
    auto desk = sam.client.get("/desk/tickets/" + id);
    ASSERT_EQ(desk.status, 200);
    EXPECT_TRUE(contains(desk.body, shown)) << "desk";
    EXPECT_FALSE(contains(desk.body, not_shown)) << "desk";
    auto queue = sam.client.get("/desk?queue=all&q=%23" + id);
    ASSERT_EQ(queue.status, 200);
    EXPECT_TRUE(contains(queue.body, "/desk/tickets/" + id + "\"")) << "the ticket is in the queue";
    EXPECT_TRUE(contains(queue.body, "role=\"tooltip\">" + shown + "</span>")) << "desk queue";
    EXPECT_FALSE(contains(queue.body, not_shown)) << "desk queue";
    std::string mail = newest_mail_to_alice(admin, id);
    EXPECT_TRUE(contains(mail, "(" + shown + ")")) << "mail text: " << mail;
    EXPECT_FALSE(contains(mail, not_shown)) << "mail";
  }
};

TEST_F(StatusWordingTest, AnAdminsWordingShowsOnTicketPagesListsTheDeskAndInMail) {
  Browser alice("alice@acme.example");
  Browser sam("sam@portico.example");
  Browser admin("admin@portico.example");
  std::string builtin(domain::status_definition(kStatus));

  // Built in: the pages read the definitions (and keep them in memory) before the change.
  std::string first = ticket_waiting_on_alice(alice, sam, "Labels print blank at the depot");
  SCOPED_TRACE("before the change, ticket #" + first);
  expect_explained_as(alice, sam, admin, first, builtin, kReworded);

  // Reworded: the next pages show the new wording at once, and so does the next e-mail.
  reword(admin, kReworded);
  {
    std::string second = ticket_waiting_on_alice(alice, sam, "Labels print blank at the port");
    SCOPED_TRACE("reworded, ticket #" + second);
    expect_explained_as(alice, sam, admin, second, kReworded, builtin);
    auto page = alice.client.get("/tickets/" + first);
    EXPECT_TRUE(contains(page.body, html_escape(kReworded))) << "an older ticket in the status";
  }

  // Restored: the built-in wording everywhere again.
  reword(admin, "");
  std::string third = ticket_waiting_on_alice(alice, sam, "Labels print blank at the airport");
  SCOPED_TRACE("restored, ticket #" + third);
  expect_explained_as(alice, sam, admin, third, builtin, kReworded);
  EXPECT_FALSE(contains(alice.client.get("/tickets/" + first).body, "kestrelmoss"));
}

}  // namespace
}  // namespace portico::test
