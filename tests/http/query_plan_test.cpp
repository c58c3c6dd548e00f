// Query plans of the ticket list, queue and search queries, on the backend under test: every
// shape must reach tickets and messages through an index, never by reading the whole table.
//
// The database is a fresh one migrated to the current schema and filled by the bench-data
// generator (app/bench_data.hpp) with 10,000 tickets; on PostgreSQL the generator ends with
// VACUUM (ANALYZE), so the planner decides on real statistics, as in production after
// autovacuum. (Turning enable_seqscan off would prove nothing.) SQLite decides on the statistics
// migration 0004 writes, as a production database does.
//
// The SQL below is copied from app/tickets.cpp — scope_clause, status_clause, search_clause, the
// counts and page queries of list_tickets, add_highlights and get_ticket — and from the desk's
// queue definitions (web/desk_pages.cpp, desk_query). Keep it in sync: when a query there
// changes, change its copy here.
//
// A few shapes are known to read every ticket (known_full_scans(), with the reason and the query
// change that would fix them). They are reported, not failed; but a known shape that no longer
// scans fails the test, so that the list stays true. docs/performance.md has the measurements.

#include <algorithm>
#include <array>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "portico/app/bench_data.hpp"
#include "portico/domain/status.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"
#include "support/server.hpp"

namespace portico::test {
namespace {

using storage::Backend;
using storage::Connection;
using storage::Params;

// ---- Copies of app/tickets.cpp ------------------------------------------------------------

enum class Filter { kAll, kPendingOnSupport, kPendingOnMe, kOpen, kClosed };
constexpr std::array kFilters = {Filter::kAll, Filter::kPendingOnSupport, Filter::kPendingOnMe,
                                 Filter::kOpen, Filter::kClosed};

std::string_view filter_slug(Filter f) {
  switch (f) {
    case Filter::kAll: return "all";
    case Filter::kPendingOnSupport: return "pending-support";
    case Filter::kPendingOnMe: return "pending-me";
    case Filter::kOpen: return "open";
    case Filter::kClosed: return "closed";
  }
  return "all";
}

bool filter_matches(Filter filter, domain::Status status) {
  switch (filter) {
    case Filter::kAll: return true;
    case Filter::kPendingOnSupport:
      return domain::facts(status).pending_on == domain::PendingOn::kSupport;
    case Filter::kPendingOnMe:
      return domain::facts(status).pending_on == domain::PendingOn::kCustomer;
    case Filter::kOpen: return domain::is_open(status);
    case Filter::kClosed: return !domain::is_open(status);
  }
  return false;
}

// status_clause
std::string status_clause(Filter filter) {
  if (filter == Filter::kAll) return "";
  std::string codes;
  for (auto status : domain::all_statuses()) {
    if (!filter_matches(filter, status)) continue;
    if (!codes.empty()) codes += ",";
    codes += std::to_string(domain::to_code(status));
  }
  return fmt::format(" AND t.status IN ({})", codes);
}

// scope_clause (customers: requester_or_cc_user_id, plus organization_id for their
// organization's view; staff: all)
std::string scope_clause(std::optional<std::int64_t> me, std::optional<std::int64_t> org,
                         Params& params, int& next) {
  if (!me && !org) return "1 = 1";
  std::vector<std::string> parts;
  if (me) {
    params.add(*me);
    int n = next++;
    parts.push_back(
        fmt::format("SELECT id FROM tickets WHERE requester_id = ${0} "
                    "UNION SELECT ticket_id FROM ticket_ccs WHERE user_id = ${0}",
                    n));
  }
  if (org) {
    params.add(*org);
    parts.push_back(fmt::format("SELECT id FROM tickets WHERE organization_id = ${}", next++));
  }
  std::string joined;
  for (const auto& p : parts) joined += (joined.empty() ? "" : " UNION ") + p;
  return fmt::format("t.id IN ({})", joined);
}

// fts5_query / tsquery: the last word is a prefix.
std::string search_text(Backend backend, const std::vector<std::string>& words) {
  std::string q;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (backend == Backend::kSqlite) {
      if (i) q += ' ';
      q += '"' + words[i] + '"';
      if (i + 1 == words.size()) q += '*';
    } else {
      if (i) q += " & ";
      q += words[i];
      if (i + 1 == words.size()) q += ":*";
    }
  }
  return q;
}

// search_clause
std::string search_clause(Backend backend, const std::string& query_text, Params& params,
                          int& next) {
  params.add(query_text);
  int q = next++;
  if (backend == Backend::kSqlite) {
    return fmt::format(
        " AND t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ${0} "
        "UNION SELECT m.ticket_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
        "WHERE messages_fts MATCH ${0} AND m.is_internal = 0)",
        q);
  }
  return fmt::format(
      " AND t.id IN (SELECT id FROM tickets WHERE subject_tsv @@ to_tsquery('simple', ${0}) "
      "UNION SELECT ticket_id FROM messages WHERE body_tsv @@ to_tsquery('simple', ${0}))",
      q);
}

// A list_tickets call as its two queries: the per-status counts and the page.
struct ListQuery {
  std::string where;  // scope, search, desk narrowing
  Params params;
  int next = 1;
};

std::string counts_sql(const ListQuery& q) {
  return fmt::format("SELECT t.status, COUNT(*) FROM tickets t WHERE {} GROUP BY t.status",
                     q.where);
}

std::pair<std::string, Params> page_sql(const ListQuery& q, Filter filter,
                                        std::string_view order = "t.last_activity_at",
                                        bool descending = true, std::int64_t offset = 0,
                                        std::string exact_status = "") {
  Params params = q.params;
  int next = q.next;
  params.add(25);
  int limit = next++;
  params.add(offset);
  int off = next++;
  std::string sql = fmt::format(
      "SELECT t.id, t.subject, t.status, t.type, t.created_at, t.last_activity_at, r.name, "
      "o.name, a.name FROM tickets t JOIN users r ON r.id = t.requester_id "
      "JOIN organizations o ON o.id = t.organization_id "
      "LEFT JOIN users a ON a.id = t.assignee_id "
      "WHERE {}{}{} ORDER BY {} {}, t.id {} LIMIT ${} OFFSET ${}",
      q.where, status_clause(filter), exact_status, order, descending ? "DESC" : "ASC",
      descending ? "DESC" : "ASC", limit, off);
  return {sql, std::move(params)};
}

// ---- Plans ----------------------------------------------------------------------------------

// A shape and what its plan may do.
struct Shape {
  std::string name;
  std::string sql;
  Params params;
  // Indexes of tickets that may be walked whole in order because the query stops after a page
  // (ORDER BY … LIMIT): the desk's queues over all tickets.
  std::set<std::string> ordered_walks = {};
  // Indexes that must not drive the query (a customer's lists: the status index would visit
  // most of the table to find a customer's few tickets). On PostgreSQL, which plans on real
  // statistics, reading the open statuses this way is accepted (the backlog stays bounded);
  // reading the closed ones is not.
  std::set<std::string> forbidden = {};
};

// Shapes known to read every ticket, why, and the query change (in app/tickets.cpp) that would
// fix them; no index can. Keys are shape names, or "postgresql: " + name for one backend.
const std::map<std::string, std::string>& known_full_scans() {
  static const std::string kOrganizationScope =
      "the organization view's scope is a list of ids (t.id IN (… UNION SELECT id FROM tickets "
      "WHERE organization_id = $2)); for an organization holding a large share of all tickets "
      "PostgreSQL hash-joins that list against a sequential scan of tickets. Fix: filter "
      "t.organization_id = $2 directly, plus the customer's own and CC'd tickets of other "
      "organizations (a UNION ALL of two index-ordered subqueries, each LIMIT offset + page), "
      "which tickets_org_activity and tickets_org_status serve";
  static const std::string kSearchScope =
      "a search is a list of matching ids (t.id IN (full-text matches)) joined to the tickets; "
      "when the words match more than about 1% of the tickets PostgreSQL reads tickets "
      "sequentially. Fix: bound the match set (the newest N matches, ordered in the full-text "
      "subquery with a LIMIT) and do not count every match";
  static const std::map<std::string, std::string> known = {
      {"desk counts, queue all",
       "list_tickets counts every ticket by status for the desk's All tickets queue; keep "
       "per-status counters (a table maintained with each status change) or skip the counts "
       "for the unrestricted queue"},
      {"desk counts, queue pending-customer",
       "the Pending on customer queue narrows only the page (status_clause), so its counts "
       "query has no condition at all; counting within the queue's statuses, or counters, "
       "would fix it"},
      {"postgresql: customer (large org) organization counts", kOrganizationScope},
      {"postgresql: customer (large org) organization all by activity", kOrganizationScope},
      {"postgresql: customer (large org) organization closed by activity", kOrganizationScope},
      {"postgresql: customer (large org) organization all by t.id", kOrganizationScope},
      {"postgresql: customer (large org) organization all by t.subject", kOrganizationScope},
      {"postgresql: customer (large org) organization all by t.created_at", kOrganizationScope},
      {"postgresql: customer (large org) organization all by t.status", kOrganizationScope},
      {"postgresql: search 'annual:*' as staff counts", kSearchScope},
      {"postgresql: search 'annual:*' as staff page", kSearchScope},
      {"postgresql: search 'annual:*' as customer (org) counts", kSearchScope},
      {"postgresql: search 'annual:*' as customer (org) page", kSearchScope},
  };
  return known;
}

struct Problem {
  std::string what;
};

const std::set<std::string> kScannedTables = {"tickets", "messages"};

// SQLite: EXPLAIN QUERY PLAN lines. "SCAN x" reads a whole table (or, "USING INDEX", a whole
// index); "SEARCH x USING …" is an index lookup; FTS5 MATCH shows as a virtual-table scan.
std::vector<Problem> sqlite_problems(const Shape& shape, const std::vector<std::string>& plan,
                                     const std::map<std::string, std::string>& aliases) {
  static const std::regex scan(R"(^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?)");
  static const std::regex search(R"(^SEARCH (\w+) USING (?:COVERING )?INDEX (\w+))");
  static const std::regex fts(R"(^SCAN (\w+_fts) VIRTUAL TABLE INDEX \d+:(\S*))");
  std::vector<Problem> problems;
  for (const auto& line : plan) {
    std::smatch m;
    if (std::regex_search(line, m, fts)) {
      // An FTS5 table is searched by MATCH (M) or by rowid (=); anything else reads it whole.
      std::string how = m[2];
      if (how.find('M') == std::string::npos && how.find('=') == std::string::npos) {
        problems.push_back({line});
      }
    } else if (std::regex_search(line, m, scan)) {
      auto table = aliases.contains(m[1]) ? aliases.at(m[1]) : std::string(m[1]);
      if (!kScannedTables.contains(table)) continue;
      if (m[2].matched && shape.ordered_walks.contains(m[2])) continue;
      problems.push_back({line});
    } else if (std::regex_search(line, m, search) && shape.forbidden.contains(m[2])) {
      problems.push_back({line + " (drives the query from an unselective index)"});
    }
  }
  return problems;
}

// PostgreSQL: EXPLAIN (FORMAT JSON) nodes. A Seq Scan of tickets or messages reads the table; an
// index scan without an Index Cond reads the whole index.
void postgres_walk(const Shape& shape, const nlohmann::json& node, std::vector<Problem>& out) {
  std::string type = node.value("Node Type", "");
  std::string relation = node.value("Relation Name", "");
  std::string index = node.value("Index Name", "");
  if (kScannedTables.contains(relation)) {
    if (type == "Seq Scan") {
      out.push_back({fmt::format("Seq Scan on {}", relation)});
    } else if ((type == "Index Scan" || type == "Index Only Scan") &&
               !node.contains("Index Cond") && !shape.ordered_walks.contains(index)) {
      out.push_back({fmt::format("{} using {} on {} without a condition", type, index, relation)});
    }
  }
  // Reading the open tickets by status is reading the desk's backlog, which stays bounded;
  // reading the closed ones is reading its whole history.
  static const std::regex closed(
      fmt::format(R"(\b{}\b)", domain::to_code(domain::Status::kClosed)));
  if (!index.empty() && shape.forbidden.contains(index) && node.contains("Index Cond") &&
      std::regex_search(node["Index Cond"].get<std::string>(), closed)) {
    out.push_back({fmt::format("{} using {} (drives the query from an unselective index: {})", type,
                               index, node["Index Cond"].get<std::string>())});
  }
  if (node.contains("Plans")) {
    for (const auto& child : node["Plans"]) postgres_walk(shape, child, out);
  }
}

class QueryPlanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      database_ = TestDatabase::create();
      storage::DatabaseOptions options;
      options.url = database_->url();
      options.pool_size = 2;
      auto db = storage::open_database(options);
      if (!db) throw std::runtime_error(db.error().message);
      db_ = std::move(*db);
      auto migrated = storage::migrate(*db_, source_dir() / "data" / "migrations");
      if (!migrated) throw std::runtime_error(migrated.error().message);
      app::BenchDataOptions data;
      data.tickets = 10'000;
      data.messages_per_ticket = 2.5;  // ~25,000 messages: ANALYZE reads them all
      data.customers = 1'000;
      data.organizations = 40;
      data.now = 1'750'000'000;
      auto report = app::generate_bench_data(*db_, data);
      if (!report) throw std::runtime_error(report.error().message);
      report_ = std::make_unique<app::BenchDataReport>(std::move(*report));
      // Judge the plans on new connections, as a server started on this database would: SQLite
      // reads the planner statistics when a connection loads the schema.
      db_.reset();
      auto reopened = storage::open_database(options);
      if (!reopened) throw std::runtime_error(reopened.error().message);
      db_ = std::move(*reopened);
    } catch (const std::exception& e) {
      db_.reset();
      database_.reset();
      FAIL() << "[backend: " << backend_name() << "] " << e.what();
    }
  }

  static void TearDownTestSuite() {
    db_.reset();
    database_.reset();
    report_.reset();
  }

  void SetUp() override { ASSERT_TRUE(db_) << "the database was not set up"; }

  static Backend backend() { return db_->backend(); }

  // A user's id and organization, by e-mail.
  static std::pair<std::int64_t, std::optional<std::int64_t>> user(const std::string& email) {
    auto row = db_->with_connection([&](Connection& c) {
      return c.query_one("SELECT id, organization_id FROM users WHERE email_key = $1",
                         Params(email));
    });
    if (!row) throw std::runtime_error(row.error().message);
    return {row->integer(0), row->opt_integer(1)};
  }

  static std::string login(std::string_view role, std::string_view size_class) {
    for (const auto& l : report_->logins) {
      if (l.role == role && (size_class.empty() || l.size_class == size_class)) return l.email;
    }
    throw std::runtime_error("no such bench login");
  }

  // The plan's problems; the plan itself goes to `shown`.
  static std::vector<Problem> problems(const Shape& shape, std::string& shown) {
    auto lease = db_->acquire();
    if (!lease) throw std::runtime_error(lease.error().message);
    Connection& c = **lease;
    {
      if (backend() == Backend::kSqlite) {
        auto rows = c.query("EXPLAIN QUERY PLAN " + shape.sql, shape.params);
        if (!rows) throw std::runtime_error(rows.error().message + "\n" + shape.sql);
        std::vector<std::string> plan;
        for (const auto& r : *rows) {
          plan.push_back(r.text(3));
          shown += "  " + r.text(3) + "\n";
        }
        static const std::map<std::string, std::string> aliases = {
            {"t", "tickets"},       {"m", "messages"},      {"r", "users"},
            {"a", "users"},         {"o", "organizations"}, {"u", "users"},
            {"e", "ticket_events"}, {"cc", "ticket_ccs"}};
        return sqlite_problems(shape, plan, aliases);
      }
      auto rows = c.query("EXPLAIN (FORMAT JSON) " + shape.sql, shape.params);
      if (!rows) throw std::runtime_error(rows.error().message + "\n" + shape.sql);
      auto json = nlohmann::json::parse(rows->rows.at(0).text(0));
      shown += json.dump(1) + "\n";
      std::vector<Problem> out;
      postgres_walk(shape, json.at(0).at("Plan"), out);
      return out;
    }
  }

  // Checks every shape; a known full scan must still be one (and is only reported).
  static void check(const std::vector<Shape>& shapes) {
    for (const auto& shape : shapes) {
      std::string shown;
      auto found = problems(shape, shown);
      std::string listed;
      for (const auto& p : found) listed += "  - " + p.what + "\n";
      auto known = known_full_scans().find(backend_name() + ": " + shape.name);
      if (known == known_full_scans().end()) known = known_full_scans().find(shape.name);
      if (known != known_full_scans().end()) {
        EXPECT_FALSE(found.empty()) << "[backend: " << backend_name() << "] \"" << shape.name
                                    << "\" no longer scans: remove it from known_full_scans()\n"
                                    << shown;
        if (!found.empty()) {
          static std::set<std::string> explained;
          std::cout << "[ KNOWN    ] " << shape.name << " reads every ticket";
          if (explained.insert(known->second).second) std::cout << ": " << known->second;
          std::cout << "\n";
        }
        continue;
      }
      EXPECT_TRUE(found.empty()) << "[backend: " << backend_name() << "] \"" << shape.name
                                 << "\" scans:\n"
                                 << listed << "SQL: " << shape.sql << "\nplan:\n"
                                 << shown;
    }
  }

  static inline std::unique_ptr<TestDatabase> database_;
  static inline std::unique_ptr<storage::Database> db_;
  static inline std::unique_ptr<app::BenchDataReport> report_;
};

// A word of the generated text that matches a modest share of the messages (a selective search;
// the very common words are discussed in docs/performance.md).
std::string middle_word() {
  const auto& words = app::bench_vocabulary();
  return std::string(words.at(std::min<std::size_t>(400, words.size() - 1)));
}

TEST_F(QueryPlanTest, CustomerListsUseTheCustomersTicketsNotTheWholeTable) {
  std::vector<Shape> shapes;
  for (auto size_class : {"large", "medium"}) {
    auto [me, org] = user(login("customer", size_class));
    for (bool organization_view : {false, true}) {
      ListQuery q;
      q.where = scope_clause(me, organization_view ? org : std::nullopt, q.params, q.next);
      std::string prefix = fmt::format("customer ({} org) {}", size_class,
                                       organization_view ? "organization" : "mine");
      Shape counts{prefix + " counts", counts_sql(q), q.params};
      counts.forbidden = {"tickets_status_activity", "tickets_activity_status"};
      shapes.push_back(counts);
      for (auto filter : kFilters) {
        auto [sql, params] = page_sql(q, filter);
        shapes.push_back({fmt::format("{} {} by activity", prefix, filter_slug(filter)),
                          sql,
                          params,
                          {},
                          {"tickets_status_activity", "tickets_activity_status"}});
      }
      for (auto [order, descending] :
           {std::pair{"t.id", true}, std::pair{"t.subject", false}, std::pair{"t.created_at", true},
            std::pair{"t.status", false}}) {
        auto [sql, params] = page_sql(q, Filter::kAll, order, descending, 50);
        shapes.push_back({fmt::format("{} all by {}", prefix, order),
                          sql,
                          params,
                          {},
                          {"tickets_status_activity", "tickets_activity_status"}});
      }
    }
  }
  check(shapes);
}

TEST_F(QueryPlanTest, SearchUsesTheFullTextIndexes) {
  std::vector<Shape> shapes;
  auto [me, org] = user(login("customer", "large"));
  for (const auto& words : {std::vector<std::string>{report_->rare_message_word},
                            std::vector<std::string>{report_->rare_subject_word},
                            std::vector<std::string>{middle_word()},
                            std::vector<std::string>{middle_word(), report_->rare_message_word}}) {
    std::string text = search_text(backend(), words);
    for (int scope = 0; scope < 3; ++scope) {
      ListQuery q;
      std::optional<std::int64_t> who, org_id;
      if (scope >= 1) who = me;
      if (scope == 2) org_id = org;
      q.where = scope_clause(who, org_id, q.params, q.next);
      q.where += search_clause(backend(), text, q.params, q.next);
      std::string prefix = fmt::format("search '{}' as {}", text,
                                       scope == 0   ? "staff"
                                       : scope == 1 ? "customer (mine)"
                                                    : "customer (org)");
      shapes.push_back({prefix + " counts", counts_sql(q), q.params});
      auto [sql, params] = page_sql(q, Filter::kAll);
      shapes.push_back({prefix + " page", sql, params});
    }
    // add_highlights: the subject and snippet of the page's tickets.
    Params params(text);
    params.add(report_->rare_message_tickets.at(0));
    params.add(report_->rare_subject_tickets.at(0));
    std::string subjects, snippets;
    if (backend() == Backend::kSqlite) {
      subjects =
          "SELECT rowid, highlight(tickets_fts, 0, char(2), char(3)) FROM tickets_fts "
          "WHERE tickets_fts MATCH $1 AND rowid IN ($2,$3)";
      snippets =
          "SELECT m.ticket_id, snippet(messages_fts, 0, char(2), char(3), '…', 16) "
          "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
          "WHERE messages_fts MATCH $1 AND m.is_internal = 0 AND m.ticket_id IN ($2,$3) "
          "ORDER BY m.id";
    } else {
      std::string options =
          "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=8, "
          "MaxFragments=1, FragmentDelimiter=…'";
      subjects = fmt::format(
          "SELECT id, ts_headline('simple', subject, to_tsquery('simple', $1), {}) FROM tickets "
          "WHERE subject_tsv @@ to_tsquery('simple', $1) AND id IN ($2,$3)",
          options);
      snippets = fmt::format(
          "SELECT ticket_id, ts_headline('simple', body, to_tsquery('simple', $1), {}) "
          "FROM messages WHERE body_tsv @@ to_tsquery('simple', $1) AND ticket_id IN ($2,$3) "
          "ORDER BY id",
          options);
    }
    shapes.push_back({fmt::format("highlight subjects '{}'", text), subjects, params});
    shapes.push_back({fmt::format("highlight snippets '{}'", text), snippets, params});
  }
  // A ticket number: the scope and "t.id = $n".
  ListQuery q;
  q.where = scope_clause(me, org, q.params, q.next);
  q.params.add(report_->sample_ticket);
  q.where += fmt::format(" AND t.id = ${}", q.next++);
  shapes.push_back({"search by ticket number counts", counts_sql(q), q.params});
  auto [sql, params] = page_sql(q, Filter::kAll);
  shapes.push_back({"search by ticket number page", sql, params});
  check(shapes);
}

TEST_F(QueryPlanTest, DeskQueuesUseIndexes) {
  std::int64_t agent = user(login("agent", "")).first;
  // desk_query: each queue's narrowing of the staff scope ("1 = 1") and its Status filter.
  struct Queue {
    std::string slug;
    std::function<void(ListQuery&)> narrow;
    Filter filter;
  };
  auto team = [](domain::Team t) {
    return [t](ListQuery& q) {
      std::string codes;
      for (auto s : domain::statuses_owned_by(t)) {
        codes += fmt::format("{}{}", codes.empty() ? "" : ",", domain::to_code(s));
      }
      q.where += fmt::format(" AND t.status IN ({})", codes.empty() ? "0" : codes);
    };
  };
  std::vector<Queue> queues = {
      {"mine",
       [agent](ListQuery& q) {
         q.params.add(agent);
         q.where += fmt::format(" AND t.assignee_id = ${}", q.next++);
       },
       Filter::kOpen},
      {"unassigned", [](ListQuery& q) { q.where += " AND t.assignee_id IS NULL"; }, Filter::kOpen},
      {"pending-customer", [](ListQuery&) {}, Filter::kPendingOnMe},
      {"all", [](ListQuery&) {}, Filter::kAll},
  };
  for (auto t : domain::all_teams()) {
    queues.push_back({"team-" + std::string(domain::team_slug(t)), team(t), Filter::kOpen});
  }
  std::int64_t org = user(login("customer", "medium")).second.value_or(0);
  queues.push_back({"organization filter",
                    [org](ListQuery& q) {
                      q.params.add(org);
                      q.where += fmt::format(" AND t.organization_id = ${}", q.next++);
                    },
                    Filter::kOpen});
  queues.push_back({"type filter, team-technical",
                    [&](ListQuery& q) {
                      team(domain::Team::kTechnical)(q);
                      q.params.add(domain::to_code(domain::TicketType::kRequest));
                      q.where += fmt::format(" AND t.type = ${}", q.next++);
                    },
                    Filter::kOpen});

  std::vector<Shape> shapes;
  // The desk's pages over all tickets walk tickets_activity_status in order and stop after a
  // page (the open tickets are the recent ones).
  std::set<std::string> walks = {"tickets_activity_status"};
  for (const auto& queue : queues) {
    ListQuery q;
    q.where = scope_clause(std::nullopt, std::nullopt, q.params, q.next);
    queue.narrow(q);
    shapes.push_back({"desk counts, queue " + queue.slug, counts_sql(q), q.params});
    auto [sql, params] = page_sql(q, queue.filter);
    shapes.push_back({"desk page, queue " + queue.slug, sql, params, walks});
  }
  // One exact status (the desk's state=… filter; the Status filter is then All).
  for (auto status : {domain::Status::kSupportTeamLiaising, domain::Status::kClosed}) {
    ListQuery q;
    q.where = scope_clause(std::nullopt, std::nullopt, q.params, q.next);
    auto [sql, params] = page_sql(q, Filter::kAll, "t.last_activity_at", true, 0,
                                  fmt::format(" AND t.status = {}", domain::to_code(status)));
    shapes.push_back(
        {fmt::format("desk page, status {}", domain::status_slug(status)), sql, params, walks});
  }
  check(shapes);
}

TEST_F(QueryPlanTest, TicketPageReadsOneTicketsRows) {
  std::int64_t me = user(login("customer", "large")).first;
  std::int64_t ticket = report_->long_tickets.at(0);
  std::vector<Shape> shapes = {
      {"ticket",
       "SELECT t.id, t.type, t.subject, t.status, t.requester_id, r.name, r.email, "
       "t.organization_id, o.name, t.assignee_id, a.name, a.email, t.created_at, "
       "t.last_activity_at, t.closed_at, t.resolution, t.fix_version, "
       "t.deployment_schedule, t.fix_given, t.linked_ticket_id, "
       "EXISTS (SELECT 1 FROM ticket_ccs cc WHERE cc.ticket_id = t.id AND "
       "cc.user_id = $2) FROM tickets t JOIN users r ON r.id = t.requester_id "
       "JOIN organizations o ON o.id = t.organization_id "
       "LEFT JOIN users a ON a.id = t.assignee_id WHERE t.id = $1",
       Params(ticket, me)},
      {"ticket CCs",
       "SELECT u.id, u.name, u.email FROM ticket_ccs cc JOIN users u ON "
       "u.id = cc.user_id WHERE cc.ticket_id = $1 ORDER BY u.name",
       Params(ticket)},
      {"ticket messages",
       "SELECT m.id, COALESCE(u.name, 'Portico'), COALESCE(u.role, 'agent'), m.body, "
       "m.is_internal, m.created_at FROM messages m LEFT JOIN users u ON u.id = m.author_id "
       "WHERE m.ticket_id = $1 AND (m.is_internal = 0 OR $2 = 1) ORDER BY m.created_at, m.id",
       Params(ticket, 0)},
      {"ticket attachments",
       "SELECT a.id, a.message_id, a.filename, a.content_type, a.size FROM attachments a "
       "JOIN messages m ON m.id = a.message_id "
       "WHERE a.ticket_id = $1 AND (m.is_internal = 0 OR $2 = 1) ORDER BY a.id",
       Params(ticket, 0)},
      {"ticket timeline",
       "SELECT e.to_status, e.created_at, COALESCE(u.name, ''), COALESCE(e.reason, '') "
       "FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id "
       "WHERE e.ticket_id = $1 AND e.to_status IS NOT NULL ORDER BY e.created_at, e.id",
       Params(ticket)},
  };
  check(shapes);
}

// The generator's dataset is what the plans were judged on: make sure it is the one described.
TEST_F(QueryPlanTest, TheDatasetHasTheShapeTheBenchmarkAssumes) {
  EXPECT_EQ(report_->tickets, 10'000);
  EXPECT_GT(report_->messages, 20'000);
  EXPECT_GT(report_->open_tickets, 0);
  EXPECT_LT(report_->open_tickets, report_->tickets / 4);
  EXPECT_EQ(report_->long_tickets.size(), 3u);
  auto counts = db_->with_connection([&](Connection& c) {
    return c.query_one(
        fmt::format("SELECT (SELECT COUNT(*) FROM messages WHERE ticket_id = {}), "
                    "(SELECT COUNT(*) FROM tickets t WHERE t.id IN ({}) AND t.requester_id = "
                    "(SELECT id FROM users WHERE email_key = $1)), "
                    "(SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM tickets GROUP BY "
                    "organization_id) s), (SELECT COUNT(*) FROM organizations)",
                    report_->long_tickets.at(0), report_->rare_message_tickets.at(0)),
        Params(login("customer", "large")));
  });
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->integer(0), 50);
  EXPECT_EQ(counts->integer(1), 1) << "the rare-word ticket belongs to the first large customer";
  EXPECT_GT(counts->integer(2), report_->tickets / 10) << "the largest organization is large";
  EXPECT_EQ(counts->integer(3), 40);
}

// bench-data is seeded and repeatable: the same seed, sizes and `now` give the same rows; another
// seed gives others.
TEST(BenchDataTest, TheSameSeedGivesTheSameRows) {
  auto fingerprint = [](std::uint64_t seed) -> std::string {
    auto database = TestDatabase::create();
    storage::DatabaseOptions options;
    options.url = database->url();
    options.pool_size = 1;
    auto db = storage::open_database(options);
    if (!db) throw std::runtime_error(db.error().message);
    auto migrated = storage::migrate(**db, source_dir() / "data" / "migrations");
    if (!migrated) throw std::runtime_error(migrated.error().message);
    app::BenchDataOptions data;
    data.tickets = 300;
    data.customers = 40;
    data.organizations = 5;
    data.seed = seed;
    data.now = 1'750'000'000;
    auto report = app::generate_bench_data(**db, data);
    if (!report) throw std::runtime_error(report.error().message);
    auto row = (*db)->with_connection([](Connection& c) {
      return c.query_one(
          "SELECT (SELECT COUNT(*) || ':' || SUM(status) || ':' || SUM(requester_id) || ':' || "
          "SUM(created_at % 100000) || ':' || SUM(LENGTH(subject)) FROM tickets), "
          "(SELECT COUNT(*) || ':' || SUM(LENGTH(body)) || ':' || SUM(is_internal) || ':' || "
          "SUM(author_id) FROM messages), (SELECT COUNT(*) FROM ticket_ccs), "
          "(SELECT MIN(subject) || '|' || MAX(subject) FROM tickets), "
          "(SELECT STRING_AGG(email, ',') FROM (SELECT email FROM users ORDER BY id LIMIT 60) u)");
    });
    if (!row) {
      // SQLite has no STRING_AGG before 3.44.
      row = (*db)->with_connection([](Connection& c) {
        return c.query_one(
            "SELECT (SELECT COUNT(*) || ':' || SUM(status) || ':' || SUM(requester_id) || ':' || "
            "SUM(created_at % 100000) || ':' || SUM(LENGTH(subject)) FROM tickets), "
            "(SELECT COUNT(*) || ':' || SUM(LENGTH(body)) || ':' || SUM(is_internal) || ':' || "
            "SUM(author_id) FROM messages), (SELECT COUNT(*) FROM ticket_ccs), "
            "(SELECT MIN(subject) || '|' || MAX(subject) FROM tickets), "
            "(SELECT GROUP_CONCAT(email, ',') FROM (SELECT email FROM users ORDER BY id LIMIT 60) "
            "u)");
      });
    }
    if (!row) throw std::runtime_error(row.error().message);
    std::string out;
    for (std::size_t i = 0; i < row->size(); ++i) out += row->text(i) + "\n";
    return out;
  };
  try {
    auto first = fingerprint(7);
    EXPECT_EQ(first, fingerprint(7)) << "[backend: " << backend_name() << "]";
    EXPECT_NE(first, fingerprint(8)) << "[backend: " << backend_name() << "]";
  } catch (const std::exception& e) {
    FAIL() << "[backend: " << backend_name() << "] " << e.what();
  }
}

}  // namespace
}  // namespace portico::test
