// Black-box tests of the Ticket Portal and who may see what, on the demo data: Acme Logistics has
// Alice (key contact) and Bob; Globex Retail has Carol; Sam is a Support agent.

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/html.hpp"
#include "support/http_client.hpp"
#include "support/server.hpp"
#include "support/session.hpp"

namespace portico::test {
namespace {

class PortalTest : public ServerSuite<PortalTest> {
 public:
  static ServerOptions options() { return {.load_demo = true, .extra_args = {}}; }

 protected:
  // Alice opens a ticket with an attachment and Bob on CC; returns its ID.
  static std::string open_ticket(HttpClient& alice, const std::string& csrf,
                                 const std::string& subject, const std::string& description) {
    auto created = alice.post_multipart(
        "/tickets/new", {{"_csrf", csrf, std::nullopt, ""},
                         {"type", "problem", std::nullopt, ""},
                         {"subject", subject, std::nullopt, ""},
                         {"description", description, std::nullopt, ""},
                         {"cc", "bob@acme.example", std::nullopt, ""},
                         {"attachments", "printer log line 1\n", "printer.log", "text/plain"}});
    EXPECT_EQ(created.status, 303) << created.body.substr(0, 500);
    auto location = created.header("Location").value_or("");
    return first_match(location, R"(/tickets/(\d+))");
  }
};

TEST_F(PortalTest, ListShowsTheFiveColumnsAndOnlyTheCustomersTickets) {
  HttpClient alice(base_url());
  log_in(alice, "alice@acme.example");
  auto list = alice.get("/tickets");
  ASSERT_EQ(list.status, 200);
  for (auto column : {"Ticket ID", "Subject", "Created", "Last Activity", "Status"}) {
    EXPECT_TRUE(contains(list.body, column)) << column;
  }
  EXPECT_TRUE(contains(list.body, "Shipment labels print with the wrong address"));
  EXPECT_FALSE(contains(list.body, "Discount codes applied twice")) << "Globex's ticket leaked";
  EXPECT_FALSE(contains(list.body, "Export to CSV times out")) << "Bob's ticket is org-only";
  auto org = alice.get("/tickets?view=organization&status=all");
  EXPECT_TRUE(contains(org.body, "Export to CSV times out"));
  EXPECT_FALSE(contains(org.body, "Discount codes applied twice"));
}

TEST_F(PortalTest, SubmitSearchReplyAndVisibilityAcrossCustomers) {
  HttpClient alice(base_url());
  std::string csrf = log_in(alice, "alice@acme.example");
  std::string id = open_ticket(alice, csrf, "Quokka scanner freezes at startup",
                               "The scanner shows a spinning wheel.");
  ASSERT_FALSE(id.empty());

  auto page = alice.get("/tickets/" + id);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "Support Team (Notified)"));
  EXPECT_TRUE(contains(page.body, "Bob Brown"));
  std::string attachment = first_match(page.body, "(/tickets/" + id + R"(/attachments/\d+))");
  ASSERT_FALSE(attachment.empty());
  auto file = alice.get(attachment);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "printer log line 1\n");
  EXPECT_TRUE(contains(file.header("Content-Disposition").value_or(""), "attachment"));
  EXPECT_EQ(file.header("X-Content-Type-Options").value_or(""), "nosniff");

  // A reply with a word that appears nowhere else.
  auto replied = alice.post_multipart("/tickets/" + id + "/reply",
                                      {{"_csrf", csrf, std::nullopt, ""},
                                       {"body", "It also says wombatcode 42", std::nullopt, ""}});
  EXPECT_EQ(replied.status, 303);

  EXPECT_TRUE(contains(alice.get("/tickets?q=" + id).body, "Quokka scanner"));
  EXPECT_TRUE(contains(alice.get("/tickets?q=quokka").body, "<mark>Quokka</mark>"));
  // Words match whole: a '*' is not a wildcard (a short prefix would make the engine merge the
  // postings of every word it begins), and a search of only symbols lists as if there were none.
  auto star = alice.get("/tickets?q=quok*");
  EXPECT_EQ(star.status, 200);
  EXPECT_FALSE(contains(star.body, "Quokka scanner"));
  auto symbols = alice.get("/tickets?q=*%22%28%29");
  EXPECT_EQ(symbols.status, 200);
  EXPECT_TRUE(contains(symbols.body, "Quokka scanner"));
  auto by_reply = alice.get("/tickets?q=wombatcode");
  EXPECT_TRUE(contains(by_reply.body, "Quokka scanner"));
  EXPECT_TRUE(contains(by_reply.body, "<mark>wombatcode</mark>"));

  // Bob is CC'd: it is in his own list, and his search finds it by a word of a reply.
  HttpClient bob(base_url());
  log_in(bob, "bob@acme.example");
  EXPECT_TRUE(contains(bob.get("/tickets").body, "Quokka scanner"));
  EXPECT_TRUE(contains(bob.get("/tickets?q=wombatcode").body, "Quokka scanner"));
  // Once Alice removes him from the CCs, his own view's search no longer finds it; the
  // organization view (Bob's organization) still does.
  std::string remove = first_match(page.body, "(/tickets/" + id + R"(/cc/\d+/remove))");
  ASSERT_FALSE(remove.empty());
  EXPECT_EQ(alice.post_form(remove, {{"_csrf", csrf}}).status, 303);
  EXPECT_FALSE(contains(bob.get("/tickets?q=wombatcode").body, "Quokka scanner"));
  EXPECT_TRUE(contains(bob.get("/tickets?q=wombatcode&view=organization").body, "Quokka scanner"));

  // Carol is in another organization: 404 everywhere, exactly like a missing ticket.
  HttpClient carol(base_url());
  log_in(carol, "carol@globex.example");
  auto missing = carol.get("/tickets/999999");
  auto foreign = carol.get("/tickets/" + id);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(carol.get(attachment).status, 404);
  EXPECT_FALSE(contains(carol.get("/tickets?q=wombatcode&view=organization").body, "Quokka"));
  EXPECT_FALSE(contains(carol.get("/tickets?q=" + id + "&view=organization").body, "Quokka"));
}

TEST_F(PortalTest, BadInputGetsAClearAnswer) {
  HttpClient alice(base_url());
  std::string csrf = log_in(alice, "alice@acme.example");
  EXPECT_EQ(alice.get("/tickets?status=bogus").status, 400);
  EXPECT_EQ(alice.get("/tickets?view=everything").status, 400);
  EXPECT_EQ(alice.get("/tickets?sort=price").status, 400);
  EXPECT_EQ(alice.get("/tickets?page=-3").status, 400);
  // Page links' cursors: a ticket id, one direction at a time; a stale one lists from page 1.
  auto bad_cursor = alice.get("/tickets?page=2&after=x1");
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_TRUE(contains(bad_cursor.body, "page link is not valid")) << bad_cursor.body;
  EXPECT_EQ(alice.get("/tickets?page=2&after=1&before=2").status, 400);
  EXPECT_EQ(alice.get("/tickets?page=2&after=999999999").status, 200);
  EXPECT_EQ(alice.get("/tickets/abc").status, 404);
  EXPECT_EQ(alice.get("/tickets/1/attachments/xyz").status, 404);

  // A missing subject: 400, what was typed and the file are kept.
  auto missing = alice.post_multipart("/tickets/new",
                                      {{"_csrf", csrf, std::nullopt, ""},
                                       {"type", "problem", std::nullopt, ""},
                                       {"subject", "", std::nullopt, ""},
                                       {"description", "Kept description text", std::nullopt, ""},
                                       {"attachments", "kept file", "kept.txt", "text/plain"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(contains(missing.body, "subject"));
  EXPECT_TRUE(contains(missing.body, "Kept description text"));
  std::string kept = first_match(missing.body, R"re(name="kept_upload" value="(\d+)")re");
  ASSERT_FALSE(kept.empty()) << "the uploaded file was not kept";
  auto fixed =
      alice.post_multipart("/tickets/new", {{"_csrf", csrf, std::nullopt, ""},
                                            {"type", "request", std::nullopt, ""},
                                            {"subject", "Kept file ticket", std::nullopt, ""},
                                            {"description", "Now with a subject", std::nullopt, ""},
                                            {"kept_upload", kept, std::nullopt, ""}});
  ASSERT_EQ(fixed.status, 303);
  auto page = alice.get(fixed.header("Location").value_or("/"));
  EXPECT_TRUE(contains(page.body, "kept.txt"));

  // Too many files.
  std::vector<MultipartPart> parts = {{"_csrf", csrf, std::nullopt, ""},
                                      {"type", "problem", std::nullopt, ""},
                                      {"subject", "Many files", std::nullopt, ""},
                                      {"description", "x", std::nullopt, ""}};
  for (int i = 0; i < 11; ++i) {
    parts.push_back({"attachments", "f", "f" + std::to_string(i) + ".txt", "text/plain"});
  }
  auto many = alice.post_multipart("/tickets/new", parts);
  EXPECT_EQ(many.status, 413);

  // Unknown colleague and no CSRF token.
  auto unknown_cc =
      alice.post_multipart("/tickets/new", {{"_csrf", csrf, std::nullopt, ""},
                                            {"type", "problem", std::nullopt, ""},
                                            {"subject", "CC test", std::nullopt, ""},
                                            {"description", "x", std::nullopt, ""},
                                            {"cc", "carol@globex.example", std::nullopt, ""}});
  EXPECT_EQ(unknown_cc.status, 400);
  auto no_csrf = alice.post_multipart("/tickets/new", {{"type", "problem", std::nullopt, ""},
                                                       {"subject", "No token", std::nullopt, ""},
                                                       {"description", "x", std::nullopt, ""}});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(alice.get("/tickets").status, 200);
}

// A long thread shows its newest messages; the earlier ones are a link away, in pages of the
// same size, and the link back leads to the newest.
TEST_F(PortalTest, LongThreadsShowTheNewestMessagesAndLinkToEarlierOnes) {
  HttpClient alice(base_url());
  std::string csrf = log_in(alice, "alice@acme.example");
  std::string id = open_ticket(alice, csrf, "A very long conversation", "first-message-end");
  ASSERT_FALSE(id.empty());
  for (int n = 1; n <= 104; ++n) {
    auto replied =
        alice.post_multipart("/tickets/" + id + "/reply",
                             {{"_csrf", csrf, std::nullopt, ""},
                              {"body", fmt::format("reply-{:03}-end", n), std::nullopt, ""}});
    ASSERT_EQ(replied.status, 303) << n;
  }
  // 105 messages: the newest 100 are replies 5 to 104.
  auto page = alice.get("/tickets/" + id);
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "reply-104-end"));
  EXPECT_TRUE(contains(page.body, "reply-005-end"));
  EXPECT_FALSE(contains(page.body, "reply-004-end"));
  EXPECT_FALSE(contains(page.body, "first-message-end"));
  EXPECT_TRUE(contains(page.body, "Show 5 earlier messages"));
  std::string earlier =
      first_match(page.body, "href=\"(/tickets/" + id + R"(\?earlier=\d+)#thread")");
  ASSERT_FALSE(earlier.empty());
  auto older = alice.get(earlier);
  ASSERT_EQ(older.status, 200);
  EXPECT_TRUE(contains(older.body, "first-message-end"));
  EXPECT_TRUE(contains(older.body, "reply-004-end"));
  EXPECT_FALSE(contains(older.body, "reply-005-end"));
  EXPECT_FALSE(contains(older.body, "earlier message"));
  EXPECT_TRUE(contains(older.body, "Show the newest messages"));

  // A message of another ticket, or not a number: no such page.
  EXPECT_EQ(alice.get("/tickets/" + id + "?earlier=abc").status, 400);
  EXPECT_EQ(alice.get("/tickets/" + id + "?earlier=1").status, 404);
}

TEST_F(PortalTest, InternalNotesNeverReachTheCustomer) {
  HttpClient alice(base_url());
  std::string alice_csrf = log_in(alice, "alice@acme.example");
  std::string id = open_ticket(alice, alice_csrf, "Pelican gateway timeout", "Gateway times out.");
  ASSERT_FALSE(id.empty());
  HttpClient sam(base_url());
  std::string sam_csrf = log_in(sam, "sam@portico.example");
  auto note =
      sam.post_multipart("/desk/tickets/" + id + "/reply",
                         {{"_csrf", sam_csrf, std::nullopt, ""},
                          {"visibility", "internal", std::nullopt, ""},
                          {"body", "Customer contract: narwhalsecret tier", std::nullopt, ""},
                          {"attachments", "secret", "internal.txt", "text/plain"}});
  EXPECT_EQ(note.status, 303);
  auto desk = sam.get("/desk/tickets/" + id);
  EXPECT_TRUE(contains(desk.body, "narwhalsecret"));
  std::string internal_file =
      first_match(desk.body, "(/tickets/" + id + R"(/attachments/\d+)[^"]*">internal.txt)");

  auto page = alice.get("/tickets/" + id);
  EXPECT_FALSE(contains(page.body, "narwhalsecret"));
  EXPECT_FALSE(contains(page.body, "internal.txt"));
  EXPECT_FALSE(contains(alice.get("/tickets?q=narwhalsecret").body, "Pelican"));
  if (!internal_file.empty()) {
    EXPECT_EQ(alice.get(internal_file).status, 404);
  }
  EXPECT_EQ(alice.get("/desk").status, 403);
  EXPECT_EQ(alice.get("/desk/tickets/" + id).status, 403);
}

// The desk's organization filter is a type-ahead: suggestions by part of the name, the filter by
// the whole name (any case) or by id, and a clear answer for a name that matches nothing.
TEST_F(PortalTest, DeskFiltersByOrganizationTypedByName) {
  HttpClient sam(base_url());
  log_in(sam, "sam@portico.example");
  auto options = sam.get("/desk/organizations?org_name=glob");
  ASSERT_EQ(options.status, 200);
  EXPECT_TRUE(contains(options.body, R"(<option value="Globex Retail">)"));
  EXPECT_FALSE(contains(options.body, "Acme"));
  EXPECT_FALSE(contains(sam.get("/desk/organizations?org_name=%25").body, "<option"))
      << "a % is a character to find, not a wildcard";

  auto acme = sam.get("/desk?queue=all&org_name=acme%20LOGISTICS");
  ASSERT_EQ(acme.status, 200);
  EXPECT_TRUE(contains(acme.body, "Shipment labels print with the wrong address"));
  EXPECT_FALSE(contains(acme.body, "Discount codes applied twice"));
  EXPECT_TRUE(contains(acme.body, R"(value="Acme Logistics")")) << "the filter shows its name";
  auto globex = sam.get("/desk?queue=all&org_name=Globex%20Retail");
  EXPECT_TRUE(contains(globex.body, "Discount codes applied twice"));
  EXPECT_FALSE(contains(globex.body, "Shipment labels print with the wrong address"));

  auto unknown = sam.get("/desk?queue=all&org_name=Initech");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_TRUE(contains(unknown.body, "There is no organization named"));

  HttpClient alice(base_url());
  log_in(alice, "alice@acme.example");
  EXPECT_EQ(alice.get("/desk/organizations?org_name=glob").status, 403);
}

TEST_F(PortalTest, CustomerReplyInWaitingStatusMovesTheTicket) {
  HttpClient alice(base_url());
  std::string alice_csrf = log_in(alice, "alice@acme.example");
  std::string id =
      open_ticket(alice, alice_csrf, "Heron report totals wrong", "Totals off by one.");
  HttpClient sam(base_url());
  std::string sam_csrf = log_in(sam, "sam@portico.example");
  auto refused = sam.post_form("/desk/tickets/" + id + "/status",
                               {{"_csrf", sam_csrf}, {"to", "waiting-initial-information"}});
  EXPECT_EQ(refused.status, 400) << "a Waiting status needs a message";
  auto moved =
      sam.post_form("/desk/tickets/" + id + "/status", {{"_csrf", sam_csrf},
                                                        {"to", "waiting-initial-information"},
                                                        {"message", "Which report do you run?"}});
  EXPECT_EQ(moved.status, 303);
  auto pending = alice.get("/tickets?status=pending-me");
  EXPECT_TRUE(contains(pending.body, "Heron report"));
  auto replied = alice.post_multipart("/tickets/" + id + "/reply",
                                      {{"_csrf", alice_csrf, std::nullopt, ""},
                                       {"body", "The monthly totals report", std::nullopt, ""}});
  EXPECT_EQ(replied.status, 303);
  EXPECT_TRUE(contains(alice.get("/tickets/" + id).body, "Support Team (Triaging)"));
}

}  // namespace
}  // namespace portico::test
