// Black-box tests of the Help Center on the demo data, on the backend named by
// PORTICO_TEST_DATABASE: who sees drafts and customers-only articles (page, category, home,
// search, suggestions, votes), Markdown that cannot run script, the `next` of the login page,
// search ranking and snippets, the status definitions (and an admin's wording), "Was this
// helpful?", the deflection numbers and the article editor's rules.
//
// Articles are written through the editor by the demo admin; each uses a made-up word (such as
// "harbourfoxglove") that appears nowhere else, so that a search for it finds that article or
// nothing.

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/domain/status.hpp"
#include "support/html.hpp"
#include "support/http_client.hpp"
#include "support/server.hpp"
#include "support/session.hpp"

namespace portico::test {
namespace {

// The rendered article body: the contents of <div class="prose">…</div>.
std::string prose_of(const std::string& page) {
  return first_match(page, R"re(<div class="prose">([\s\S]*?)</div>)re");
}

// What would let markup run script in a browser: script-capable elements, event-handler
// attributes, script URLs (also entity-encoded) in a tag's href or src. "" when there is none.
// Text that merely reads "javascript:" or "onerror=" is fine: escaped, it is not markup. Images
// are allowed (an article may show a screenshot); their src is checked like a link's href.
std::string dangerous_markup(const std::string& html) {
  static const std::regex kElement(
      R"re(<\s*(script|svg|math|i?frame|object|embed|span|style|form|input|base|meta|link)\b)re",
      std::regex::icase);
  static const std::regex kHandler(R"re(<[^>]*\son[a-z]+\s*=)re", std::regex::icase);
  static const std::regex kUrl(
      R"re(<[^>]*\b(href|src)\s*=\s*["']?\s*(javascript|vbscript|data)\s*:)re", std::regex::icase);
  static const std::regex kEncodedUrl(R"re(<[^>]*\b(href|src)\s*=\s*["']?[^"'>]*&#)re",
                                      std::regex::icase);
  std::smatch m;
  for (const auto* re : {&kElement, &kHandler, &kUrl, &kEncodedUrl}) {
    if (std::regex_search(html, m, *re)) return m.str(0);
  }
  return {};
}

class HelpCenterTest : public ServerSuite<HelpCenterTest> {
 public:
  static ServerOptions options() { return {.load_demo = true, .extra_args = {}}; }

  static void TearDownTestSuite() {
    admin_.reset();
    alice_.reset();
    ServerSuite<HelpCenterTest>::TearDownTestSuite();
  }

 protected:
  struct Browser {
    std::unique_ptr<HttpClient> client;
    std::string csrf;
  };

  // Logged-in browsers, shared by the tests (logging in is slow on purpose).
  static Browser& admin() { return logged_in(admin_, "admin@portico.example"); }
  static Browser& alice() { return logged_in(alice_, "alice@acme.example"); }

  static Browser& logged_in(std::unique_ptr<Browser>& browser, std::string_view email) {
    if (!browser) {
      browser = std::make_unique<Browser>();
      browser->client = std::make_unique<HttpClient>(base_url());
      browser->csrf = log_in(*browser->client, email);
    }
    return *browser;
  }

  // The id of a category, from the editor's category list.
  static std::string category_id(std::string_view name) {
    auto form = admin().client->get("/admin/help/articles/new");
    EXPECT_EQ(form.status, 200) << form.body.substr(0, 300);
    return first_match(form.body,
                       R"re(<option value="(\d+)"[^>]*>)re" + std::string(name) + "</option>");
  }

  struct NewArticle {
    std::string title;
    std::string body;
    std::string state = "published";  // or "draft"
    std::string visibility = "everyone";
    std::string slug;  // "" : made from the title
  };

  // Writes an article as the admin; returns the response of the editor's form.
  static HttpResponse write_article(const NewArticle& a) {
    return admin().client->post_form("/admin/help/articles/new",
                                     {{"_csrf", admin().csrf},
                                      {"title", a.title},
                                      {"slug", a.slug},
                                      {"category", category_id("Working with tickets")},
                                      {"body", a.body},
                                      {"state", a.state},
                                      {"visibility", a.visibility},
                                      {"action", "save"}});
  }

  // The three articles of the visibility tests, written once for the suite.
  static void write_visibility_articles() {
    if (visibility_articles_written_) return;
    visibility_articles_written_ = true;
    for (const auto& a :
         {NewArticle{"Secret draft about harbourfoxglove",
                     "Unpublished plans: the harbourfoxglove release.", "draft", "everyone", ""},
          NewArticle{"Members area lanternquail", "Only for customers: the lanternquail report.",
                     "published", "customers", ""},
          NewArticle{"Public note nightjarwillow", "Everyone may read about nightjarwillow.",
                     "published", "everyone", ""}}) {
      auto r = write_article(a);
      ASSERT_EQ(r.status, 303) << r.body.substr(0, 2000);
    }
  }

  static HttpResponse suggest(HttpClient& client, const std::string& subject) {
    return client.get("/help/suggest?subject=" + url_encode(subject), {{"HX-Request", "true"}});
  }

  static inline std::unique_ptr<Browser> admin_;
  static inline std::unique_ptr<Browser> alice_;
  static inline bool visibility_articles_written_ = false;
};

constexpr std::string_view kDraftHref = "/articles/secret-draft-about-harbourfoxglove";
constexpr std::string_view kCustomersHref = "/articles/members-area-lanternquail";

// ---- Visibility ---------------------------------------------------------------------------------

// Each category on the home shows its first six articles by title, the same ones its own page
// lists first, and says how many there are in all when there are more.
TEST_F(HelpCenterTest, TheHomeShowsEachCategorysFirstArticlesAndHowManyThereAre) {
  // Eight more articles in one category, titled to sort between the others.
  for (std::string_view initial : {"A", "C", "E", "G", "K", "M", "P", "T"}) {
    auto r =
        write_article({std::string(initial) + " is for the home page order",
                       "One of eight articles that fill a category.", "published", "everyone", ""});
    ASSERT_EQ(r.status, 303) << r.body.substr(0, 2000);
  }
  auto links = [](const std::string& html) {
    std::vector<std::string> out;
    static const std::regex kLink(R"re(<li><a href="(/articles/[^"]+)">)re");
    for (std::sregex_iterator it(html.begin(), html.end(), kLink), end; it != end; ++it) {
      out.push_back((*it)[1]);
    }
    return out;
  };
  HttpClient visitor(base_url());
  auto home = visitor.get("/");
  ASSERT_EQ(home.status, 200);
  static const std::regex kCard(
      R"re(<section class="card" aria-labelledby="category-([a-z0-9-]+)">([\s\S]*?)</section>)re");
  int cards = 0;
  bool some_full = false;
  for (std::sregex_iterator it(home.body.begin(), home.body.end(), kCard), end; it != end; ++it) {
    std::string slug = (*it)[1];
    std::string card = (*it)[2];
    ++cards;
    auto page = visitor.get("/help/categories/" + slug);
    ASSERT_EQ(page.status, 200) << slug;
    auto all = links(page.body);
    auto shown = links(card);
    std::vector<std::string> first(all.begin(), all.begin() + std::min<std::size_t>(all.size(), 6));
    EXPECT_EQ(shown, first) << slug;
    if (all.size() > 6) {
      some_full = true;
      EXPECT_TRUE(contains(card, "All " + std::to_string(all.size()) + " articles")) << slug;
    } else {
      EXPECT_FALSE(contains(card, "more-link")) << slug;
    }
  }
  EXPECT_GE(cards, 2);
  EXPECT_TRUE(some_full) << "no category has more than six articles";
}

TEST_F(HelpCenterTest, DraftsAndCustomersOnlyArticlesNeverReachLoggedOutVisitors) {
  write_visibility_articles();
  HttpClient visitor(base_url());

  // The article pages: the same 404 as for an article that does not exist.
  EXPECT_EQ(visitor.get("/articles/secret-draft-about-harbourfoxglove").status, 404);
  EXPECT_EQ(visitor.get("/articles/members-area-lanternquail").status, 404);
  auto control = visitor.get("/articles/public-note-nightjarwillow");
  EXPECT_EQ(control.status, 200);
  EXPECT_TRUE(contains(control.body, "nightjarwillow"));

  // Search: the public article is found, the others are not, not even by title words.
  for (const auto& q : {"harbourfoxglove", "lanternquail", "secret draft", "members area",
                        "harbourfoxglove lanternquail nightjarwillow"}) {
    auto r = visitor.get("/search?q=" + url_encode(q));
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(contains(r.body, kDraftHref)) << q;
    EXPECT_FALSE(contains(r.body, kCustomersHref)) << q;
    EXPECT_FALSE(contains(r.body, "Unpublished plans")) << q;
    EXPECT_FALSE(contains(r.body, "Only for customers")) << q;
  }
  auto found = visitor.get("/search?q=nightjarwillow");
  EXPECT_TRUE(contains(found.body, R"(href="/articles/public-note-nightjarwillow")")) << found.body;

  // Live search (htmx) and suggestions (htmx and the page without JavaScript).
  auto live = visitor.get("/search?q=lanternquail", {{"HX-Request", "true"}});
  EXPECT_EQ(live.status, 200);
  EXPECT_FALSE(contains(live.body, kCustomersHref));
  for (const auto& subject : {"harbourfoxglove release", "lanternquail report"}) {
    auto r = suggest(visitor, subject);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(contains(r.body, "/articles/")) << subject << ": " << r.body;
    auto page = visitor.get("/help/suggest?subject=" + url_encode(subject));
    EXPECT_EQ(page.status, 200);
    EXPECT_FALSE(contains(page.body, kDraftHref)) << subject;
    EXPECT_FALSE(contains(page.body, kCustomersHref)) << subject;
  }
  EXPECT_TRUE(contains(suggest(visitor, "nightjarwillow").body, "public-note-nightjarwillow"));

  // Lists: home page and category page.
  for (const auto& path : {"/", "/help/categories/tickets"}) {
    auto r = visitor.get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_FALSE(contains(r.body, "harbourfoxglove")) << path;
    EXPECT_FALSE(contains(r.body, "lanternquail")) << path;
  }
  EXPECT_TRUE(contains(visitor.get("/help/categories/tickets").body, "nightjarwillow"));

  // A vote on an article the visitor cannot see is refused like a missing page.
  std::string csrf = csrf_in(visitor.get("/articles/public-note-nightjarwillow").body);
  ASSERT_FALSE(csrf.empty());
  auto vote = visitor.post_form("/articles/members-area-lanternquail/feedback",
                                {{"_csrf", csrf}, {"helpful", "yes"}});
  EXPECT_EQ(vote.status, 404);
}

TEST_F(HelpCenterTest, CustomersSeeCustomersOnlyArticlesButNeverDrafts) {
  write_visibility_articles();
  auto& customer = *alice().client;
  auto page = customer.get("/articles/members-area-lanternquail");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "lanternquail report"));
  EXPECT_TRUE(contains(customer.get("/search?q=lanternquail").body,
                       R"(href="/articles/members-area-lanternquail")"));
  EXPECT_TRUE(contains(suggest(customer, "lanternquail").body, "members-area-lanternquail"));
  EXPECT_TRUE(contains(customer.get("/help/categories/tickets").body, "lanternquail"));

  EXPECT_EQ(customer.get("/articles/secret-draft-about-harbourfoxglove").status, 404);
  EXPECT_FALSE(contains(customer.get("/search?q=harbourfoxglove").body, kDraftHref));
  EXPECT_FALSE(contains(suggest(customer, "harbourfoxglove").body, "/articles/"));
  EXPECT_FALSE(contains(customer.get("/").body, "harbourfoxglove"));
}

TEST_F(HelpCenterTest, StaffPreviewDraftsOnTheArticlePageOnly) {
  write_visibility_articles();
  auto& staff = *admin().client;
  auto page = staff.get("/articles/secret-draft-about-harbourfoxglove");
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "Draft.")) << "the draft is not marked as one";
  // Search and suggestions show what customers would find: no drafts.
  EXPECT_FALSE(contains(staff.get("/search?q=harbourfoxglove").body, kDraftHref));
  EXPECT_FALSE(contains(suggest(staff, "harbourfoxglove").body, "/articles/"));
}

// ---- Markdown -----------------------------------------------------------------------------------

TEST_F(HelpCenterTest, MarkdownWithScriptEventHandlersAndJavascriptLinksRendersInert) {
  const std::string body =
      "Hello quillpenguin.\n\n"
      "<script>alert('script')</script>\n\n"
      "<img src=x onerror=alert('img')>\n\n"
      "Inline <span onmouseover=\"alert('span')\">hover</span> and <svg onload=alert(1)>.\n\n"
      "[markdown link](javascript:alert('link')) and [mixed case](JaVaScRiPt:alert(2)) and "
      "[entity](&#106;avascript:alert(3)) and <javascript:alert(4)>\n\n"
      "<a href=\"javascript:alert('a')\">raw link</a>\n\n"
      "<iframe src=\"https://evil.example\"></iframe>\n\n"
      "![image](javascript:alert('image'))\n\n"
      "[fine](https://example.com/ok) and **bold**\n";
  auto created = write_article(
      {"Inert quillpenguin <b>title</b>", body, "published", "everyone", "inert-quillpenguin"});
  ASSERT_EQ(created.status, 303) << created.body.substr(0, 2000);

  HttpClient visitor(base_url());
  auto page = visitor.get("/articles/inert-quillpenguin");
  ASSERT_EQ(page.status, 200);
  std::string prose = prose_of(page.body);
  ASSERT_TRUE(contains(prose, "quillpenguin")) << page.body;
  EXPECT_EQ(dangerous_markup(prose), "") << prose;
  EXPECT_TRUE(contains(prose, R"(<a href="https://example.com/ok">fine</a>)")) << prose;
  EXPECT_TRUE(contains(prose, "<strong>bold</strong>"));
  // The title is text, escaped.
  EXPECT_TRUE(contains(page.body, "<h1>Inert quillpenguin &lt;b&gt;title&lt;/b&gt;</h1>"));

  // Search results quote the text escaped, with only <mark> added.
  auto results = visitor.get("/search?q=quillpenguin");
  ASSERT_EQ(results.status, 200);
  std::string list = first_match(results.body, R"re(<ol class="search-results">([\s\S]*?)</ol>)re");
  ASSERT_FALSE(list.empty()) << results.body;
  EXPECT_TRUE(contains(list, "<mark>quillpenguin</mark>")) << list;
  EXPECT_FALSE(contains(list, "<b>")) << list;
  EXPECT_EQ(dangerous_markup(list), "") << list;

  // The editor's live preview renders the same way.
  auto preview = admin().client->post_form(
      "/admin/help/preview", {{"_csrf", admin().csrf}, {"body", body}}, {{"HX-Request", "true"}});
  ASSERT_EQ(preview.status, 200);
  EXPECT_TRUE(contains(preview.body, "<strong>bold</strong>")) << preview.body;
  EXPECT_EQ(dangerous_markup(preview.body), "") << preview.body;
}

// ---- Go to customer portal and `next` -----------------------------------------------------------

TEST_F(HelpCenterTest, GoToCustomerPortalSendsVisitorsThroughLoginToTheirTickets) {
  HttpClient visitor(base_url());
  auto home = visitor.get("/");
  ASSERT_EQ(home.status, 200);
  EXPECT_TRUE(
      contains(home.body,
               R"(<a class="button button-secondary" href="/tickets">Go to customer portal</a>)"));
  auto portal = visitor.get("/tickets");
  EXPECT_EQ(portal.status, 303);
  EXPECT_EQ(portal.header("Location").value_or(""), "/login?next=%2Ftickets");
  auto login = visitor.get("/login?next=%2Ftickets");
  ASSERT_EQ(login.status, 200);
  EXPECT_TRUE(contains(login.body, R"(name="next" value="/tickets")"));
  auto done = visitor.post_form("/login", {{"_csrf", csrf_in(login.body)},
                                           {"email", "alice@acme.example"},
                                           {"password", std::string(kDemoPassword)},
                                           {"next", "/tickets"}});
  ASSERT_EQ(done.status, 303) << done.body.substr(0, 500);
  EXPECT_EQ(done.header("Location").value_or(""), "/tickets");
  auto list = visitor.get("/tickets");
  EXPECT_EQ(list.status, 200);
  EXPECT_TRUE(contains(list.body, "Shipment labels print with the wrong address"));

  // Logged in, the same link goes straight to the list.
  EXPECT_EQ(visitor.get("/tickets").status, 200);
}

TEST_F(HelpCenterTest, LoginRefusesToRedirectAnywhereButThisSite) {
  const std::vector<std::string> outside = {
      "https://evil.example/",
      "//evil.example/",
      "/\\evil.example/",
      "\\\\evil.example/",
      "\\/evil.example/",
      "/\t/evil.example/",
      "http:evil.example",
      "javascript:alert(1)",
      " //evil.example/",
      "%2F%2Fevil.example/",
      "/\r\nLocation: https://evil.example/",
  };
  // Logging in with an outside `next` lands on the ticket list.
  HttpClient browser(base_url());
  auto form = browser.get("/login?next=" + url_encode("//evil.example/"));
  ASSERT_EQ(form.status, 200);
  EXPECT_FALSE(contains(form.body, "evil.example")) << "the login form keeps an outside next";
  auto done = browser.post_form("/login", {{"_csrf", csrf_in(form.body)},
                                           {"email", "alice@acme.example"},
                                           {"password", std::string(kDemoPassword)},
                                           {"next", "//evil.example/"}});
  ASSERT_EQ(done.status, 303);
  EXPECT_EQ(done.header("Location").value_or(""), "/tickets");

  // Already logged in, /login redirects to `next` at once: every outside target is refused.
  for (const auto& next : outside) {
    auto r = browser.get("/login?next=" + url_encode(next));
    ASSERT_EQ(r.status, 303) << next;
    EXPECT_EQ(r.header("Location").value_or(""), "/tickets") << next;
  }
  // A local target is kept.
  auto local = browser.get("/login?next=" + url_encode("/help/statuses"));
  EXPECT_EQ(local.header("Location").value_or(""), "/help/statuses");
}

// ---- Search -------------------------------------------------------------------------------------

TEST_F(HelpCenterTest, SearchRanksTitlesFirstAndHighlightsTheSnippet) {
  HttpClient visitor(base_url());
  auto r = visitor.get("/search?q=confirm");
  ASSERT_EQ(r.status, 200);
  // "How to confirm a fix" has the word in its title; the others only in their text.
  std::string first =
      first_match(r.body, R"re(<ol class="search-results">\s*<li>\s*<h2><a href="([^"]+)")re");
  EXPECT_EQ(first, "/articles/confirm-a-fix") << r.body;
  EXPECT_TRUE(contains(r.body, "How to <mark>confirm</mark> a fix")) << r.body;

  // A word only in a body is found, with the passage around it.
  auto body_word = visitor.get("/search?q=screenshots");
  EXPECT_TRUE(contains(body_word.body, R"(href="/articles/submit-a-ticket")"));
  EXPECT_TRUE(contains(body_word.body, "attach <mark>screenshots</mark> or logs"))
      << body_word.body;

  // The last word is a prefix (results follow typing); no article has every word: some of them.
  EXPECT_TRUE(contains(visitor.get("/search?q=screensh").body, "/articles/submit-a-ticket"));
  auto some = visitor.get("/search?q=" + url_encode("screenshots zzyzxq"));
  EXPECT_TRUE(contains(some.body, "/articles/submit-a-ticket"));
  EXPECT_TRUE(contains(some.body, "No article contains every word you typed"));

  // Query syntax, quotes and bytes that are not UTF-8 are just text, never an error.
  for (const auto& q : {"\"unterminated", "fix OR NOT", "a* AND (b", "NEAR(x y)", "\xff\xfe",
                        "caf\xc3\xa9", "\xe2\x80\x94", "'; DROP TABLE articles; --", "::*&|!"}) {
    auto x = visitor.get("/search?q=" + url_encode(q));
    EXPECT_EQ(x.status, 200) << q;
    auto s = suggest(visitor, q);
    EXPECT_EQ(s.status, 200) << q;
  }
  EXPECT_EQ(visitor.get("/articles/%FF%FE").status, 404);
  EXPECT_EQ(visitor.get("/help/categories/%FF").status, 404);

  // Every Help Center page carries the search box.
  for (const auto& path :
       {"/articles/submit-a-ticket", "/help/statuses", "/help/categories/tickets", "/search"}) {
    auto p = visitor.get(path);
    EXPECT_TRUE(std::regex_search(
        p.body, std::regex(R"re(<form class="help-search[^"]*" action="/search")re")))
        << path;
  }
}

TEST_F(HelpCenterTest, SuggestionsFollowTheSubjectAndWorkWithoutJavaScript) {
  HttpClient visitor(base_url());
  auto r = suggest(visitor, "How do I confirm the fix");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, R"(href="/articles/confirm-a-fix?from=suggest")")) << r.body;
  EXPECT_FALSE(contains(r.body, "<html")) << "htmx gets a fragment, not a page";
  EXPECT_EQ(r.header("Vary").value_or(""), "HX-Request");
  // Common words alone suggest nothing.
  EXPECT_TRUE(suggest(visitor, "how do I").body.empty());
  EXPECT_TRUE(suggest(visitor, "").body.empty());

  // Without JavaScript: a page with the suggestions and a way on to the form, subject kept.
  auto page = visitor.get("/help/suggest?subject=" + url_encode("confirm the fix"));
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "<!doctype html>"));
  EXPECT_TRUE(contains(page.body, R"(href="/articles/confirm-a-fix?from=suggest")"));
  EXPECT_TRUE(contains(page.body, R"(href="/tickets/new?subject=confirm%20the%20fix")"))
      << page.body;
}

// ---- Status definitions -------------------------------------------------------------------------

TEST_F(HelpCenterTest, StatusDefinitionsComeFromTheDomainTableAndAdminsCanRewordThem) {
  HttpClient visitor(base_url());
  auto page = visitor.get("/help/statuses");
  ASSERT_EQ(page.status, 200);
  for (auto status : domain::all_statuses()) {
    const auto& facts = domain::facts(status);
    EXPECT_TRUE(contains(page.body, html_escape(facts.name))) << facts.name;
    EXPECT_TRUE(contains(page.body, html_escape(facts.definition))) << facts.name;
    EXPECT_TRUE(contains(page.body, html_escape(domain::owner_label(status)))) << facts.name;
  }
  for (auto who : {domain::PendingOn::kSupport, domain::PendingOn::kCustomer}) {
    EXPECT_TRUE(contains(page.body, html_escape(domain::pending_on_label(who))));
  }

  // An admin's wording replaces the built-in one; restoring brings it back.
  auto status = domain::Status::kWaitingOnCustomerInitialInformation;
  std::string path = "/admin/help/statuses/" + std::to_string(domain::to_code(status));
  auto saved = admin().client->post_form(
      path, {{"_csrf", admin().csrf},
             {"definition", "We need a few details from you (otterglass) before we can start."},
             {"action", "save"}});
  ASSERT_EQ(saved.status, 303) << saved.body.substr(0, 500);
  auto reworded = visitor.get("/help/statuses");
  EXPECT_TRUE(contains(reworded.body, "(otterglass)"));
  EXPECT_FALSE(contains(reworded.body, html_escape(domain::status_definition(status))));

  // Customers cannot change it.
  auto refused = alice().client->post_form(
      path, {{"_csrf", alice().csrf}, {"definition", "hijacked"}, {"action", "save"}});
  EXPECT_EQ(refused.status, 403);

  auto restored = admin().client->post_form(
      path, {{"_csrf", admin().csrf}, {"definition", ""}, {"action", "restore"}});
  ASSERT_EQ(restored.status, 303);
  auto back = visitor.get("/help/statuses");
  EXPECT_FALSE(contains(back.body, "otterglass"));
  EXPECT_TRUE(contains(back.body, html_escape(domain::status_definition(status))));
  EXPECT_FALSE(contains(back.body, "hijacked"));
}

// ---- Readers' numbers ---------------------------------------------------------------------------

TEST_F(HelpCenterTest, HelpfulVotesCountOncePerBrowserAndSuggestionOpensAreCounted) {
  auto created = write_article(
      {"Votes for pebblewren", "A pebblewren article to vote on.", "published", "everyone", ""});
  ASSERT_EQ(created.status, 303);
  std::string editor =
      first_match(created.header("Location").value_or(""), R"((/admin/help/articles/\d+))");
  ASSERT_FALSE(editor.empty());

  HttpClient reader(base_url());
  auto page = reader.get("/articles/votes-for-pebblewren");
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(contains(page.body, "Was this article helpful?"));
  std::string csrf = csrf_in(page.body);
  auto first = reader.post_form("/articles/votes-for-pebblewren/feedback",
                                {{"_csrf", csrf}, {"helpful", "yes"}});
  EXPECT_EQ(first.status, 303);
  auto again = reader.post_form("/articles/votes-for-pebblewren/feedback",
                                {{"_csrf", csrf}, {"helpful", "yes"}}, {{"HX-Request", "true"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_TRUE(contains(again.body, "Thank you for your feedback.")) << again.body;
  EXPECT_FALSE(
      contains(reader.get("/articles/votes-for-pebblewren").body, "Was this article helpful?"));
  HttpClient other(base_url());
  std::string other_csrf = csrf_in(other.get("/articles/votes-for-pebblewren").body);
  EXPECT_EQ(other
                .post_form("/articles/votes-for-pebblewren/feedback",
                           {{"_csrf", other_csrf}, {"helpful", "no"}})
                .status,
            303);
  EXPECT_EQ(other
                .post_form("/articles/votes-for-pebblewren/feedback",
                           {{"_csrf", other_csrf}, {"helpful", "maybe"}})
                .status,
            400);
  // Without the CSRF token, nothing is counted.
  HttpClient forger(base_url());
  EXPECT_EQ(forger.post_form("/articles/votes-for-pebblewren/feedback", {{"helpful", "no"}}).status,
            403);

  // A customer opens the article from the ticket form's suggestions.
  EXPECT_EQ(alice().client->get("/articles/votes-for-pebblewren?from=suggest").status, 200);
  auto numbers = admin().client->get(editor);
  ASSERT_EQ(numbers.status, 200);
  EXPECT_TRUE(contains(numbers.body, "1 yes, 1 no")) << numbers.body;
  EXPECT_TRUE(
      std::regex_search(numbers.body, std::regex(R"re(Opened as a suggestion</dt><dd>1</dd>)re")))
      << numbers.body;
  auto deflection = admin().client->get("/admin/help/deflection?days=7");
  ASSERT_EQ(deflection.status, 200);
  EXPECT_TRUE(contains(deflection.body, "Votes for pebblewren")) << deflection.body;
}

// ---- The editor ---------------------------------------------------------------------------------

TEST_F(HelpCenterTest, EditorKeepsRevisionsChecksSlugsAndIsForStaffOnly) {
  auto created = write_article({"Revisions of mossbadger", "First text.", "draft", "everyone", ""});
  ASSERT_EQ(created.status, 303);
  std::string editor =
      first_match(created.header("Location").value_or(""), R"((/admin/help/articles/\d+))");
  ASSERT_FALSE(editor.empty());
  auto& a = admin();
  auto saved = a.client->post_form(editor, {{"_csrf", a.csrf},
                                            {"title", "Revisions of mossbadger"},
                                            {"slug", "revisions-of-mossbadger"},
                                            {"category", category_id("Working with tickets")},
                                            {"body", "Second text."},
                                            {"state", "published"},
                                            {"visibility", "everyone"},
                                            {"action", "save"}});
  ASSERT_EQ(saved.status, 303) << saved.body.substr(0, 1000);
  auto page = a.client->get(editor);
  ASSERT_EQ(page.status, 200);
  auto revisions = first_match(page.body, R"re(<ol class="revision-list">([\s\S]*?)</ol>)re");
  const std::regex item("<li>");
  std::ptrdiff_t count = std::distance(
      std::sregex_iterator(revisions.begin(), revisions.end(), item), std::sregex_iterator());
  EXPECT_EQ(count, 2) << revisions;
  HttpClient visitor(base_url());
  EXPECT_TRUE(contains(visitor.get("/articles/revisions-of-mossbadger").body, "Second text."));

  // "Preview without saving" saves nothing.
  auto previewed = a.client->post_form(editor, {{"_csrf", a.csrf},
                                                {"title", "Revisions of mossbadger"},
                                                {"slug", "revisions-of-mossbadger"},
                                                {"category", category_id("Working with tickets")},
                                                {"body", "Third text, **not saved**."},
                                                {"state", "published"},
                                                {"visibility", "everyone"},
                                                {"action", "preview"}});
  EXPECT_EQ(previewed.status, 200);
  EXPECT_TRUE(contains(previewed.body, "<strong>not saved</strong>"));
  EXPECT_TRUE(contains(visitor.get("/articles/revisions-of-mossbadger").body, "Second text."));

  // Another article's address is refused, and the form comes back with what was typed.
  auto taken =
      write_article({"Copycat", "Body kept here.", "draft", "everyone", "submit-a-ticket"});
  EXPECT_EQ(taken.status, 409);
  EXPECT_TRUE(contains(taken.body, "Another article already has this address."));
  EXPECT_TRUE(contains(taken.body, "Body kept here."));
  auto bad_slug = write_article({"Bad slug", "Body.", "draft", "everyone", "Not A Slug!"});
  EXPECT_EQ(bad_slug.status, 400);
  auto no_title = write_article({"  ", "Body.", "draft", "everyone", ""});
  EXPECT_EQ(no_title.status, 400);

  // Customers and visitors cannot reach the editor.
  EXPECT_EQ(alice().client->get("/admin/help/articles").status, 403);
  EXPECT_EQ(alice()
                .client->post_form("/admin/help/preview", {{"_csrf", alice().csrf}, {"body", "x"}})
                .status,
            403);
  auto anonymous = visitor.get("/admin/help/articles");
  EXPECT_EQ(anonymous.status, 303);
  EXPECT_EQ(anonymous.header("Location").value_or(""), "/login?next=%2Fadmin%2Fhelp%2Farticles");
}

}  // namespace
}  // namespace portico::test
