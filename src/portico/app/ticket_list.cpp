// list_tickets: the customer's ticket list, the desk's queues and ticket search, within the
// actor's visibility scope. Every shape reads a bounded number of rows, whatever the size of the
// desk (tests/http/query_plan_test.cpp checks the plans; docs/performance.md has the numbers):
//
//   - A customer's own tickets: the requester and CC indexes give a few ids; they are sorted.
//   - An organization's tickets: an index over (organization, sort column) is walked in order and
//     stops after the page; per-status counts come from ticket_counts (kept by triggers).
//   - The desk: a queue walks (last activity, status) in order and stops after the page; the
//     unrestricted queues take their counts from ticket_counts too.
//   - Search: the newest kSearchRows matching messages and subjects within the scope (on SQLite
//     the scope is inside the full-text index), at most kSearchTickets tickets; the count says
//     when there are more. A ticket number is one lookup checked against the scope.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "portico/app/highlight.hpp"
#include "portico/app/tickets.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Backend;
using storage::Connection;
using storage::Params;

constexpr std::array kStatusFilters = {StatusFilter::kAll, StatusFilter::kPendingOnSupport,
                                       StatusFilter::kPendingOnMe, StatusFilter::kOpen,
                                       StatusFilter::kClosed};

// A search looks at this many of the newest matching messages (and subjects)… (1,000 cost a
// common word's search a third more CPU; either way a common word lists the newest 500 tickets
// among those matches, so a ticket found only by an older message can drop out of it.)
constexpr int kSearchRows = 500;
// …and lists at most this many tickets (the newest).
constexpr std::size_t kSearchTickets = 500;

bool filter_matches(StatusFilter filter, domain::Status status) {
  switch (filter) {
    case StatusFilter::kAll: return true;
    case StatusFilter::kPendingOnSupport:
      return domain::facts(status).pending_on == domain::PendingOn::kSupport;
    case StatusFilter::kPendingOnMe:
      return domain::facts(status).pending_on == domain::PendingOn::kCustomer;
    case StatusFilter::kOpen: return domain::is_open(status);
    case StatusFilter::kClosed: return !domain::is_open(status);
  }
  return false;
}

// "status IN (…)" for a filter, from the domain's status table (codes are constants, not input).
// `column` lets SQLite be told not to drive the query from a status index ("+t.status").
std::string status_clause(StatusFilter filter, std::string_view column = "t.status") {
  if (filter == StatusFilter::kAll) return "";
  std::string codes;
  for (auto status : domain::all_statuses()) {
    if (!filter_matches(filter, status)) continue;
    if (!codes.empty()) codes += ",";
    codes += std::to_string(domain::to_code(status));
  }
  return fmt::format(" AND {} IN ({})", column, codes);
}

// Words of a search, as the full-text engines see them: letters and digits (any script), at
// most 8 words of at most 64 bytes, each matched whole. There is no prefix search ("err*"): on a
// large desk a short prefix makes the engine merge the postings of every word it begins (1.5 s for
// "e*" over 5,000,000 messages), which one customer could repeat at will.
std::vector<std::string> search_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && words.size() < 8) words.push_back(current.substr(0, 64));
    current.clear();
  };
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      current += static_cast<char>(std::tolower(u));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

// FTS5: ("w1" AND "w2"). Words hold only letters and digits: nothing to escape.
std::string fts5_words(const std::vector<std::string>& words) {
  std::string q = "(";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) q += " AND ";
    q += '"' + words[i] + '"';
  }
  return q + ")";
}

// PostgreSQL to_tsquery: w1 & w2
std::string tsquery(const std::vector<std::string>& words) {
  std::string q;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) q += " & ";
    q += words[i];
  }
  return q;
}

std::optional<std::int64_t> parse_ticket_number(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return std::nullopt;
  std::string_view s = text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
  if (s.starts_with('#')) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n <= 0) return std::nullopt;
  return n;
}

// Binds a list of ids as one parameter (storage::Ids: one placeholder and one prepared
// statement whatever the list's length). Returns the placeholder's number.
int bind_ids(const std::vector<std::int64_t>& ids, Params& params, int& next) {
  params.add(storage::Ids{ids});
  return next++;
}

// "column IN (the ids)", the ids bound by bind_ids.
std::string id_list_clause(Backend backend, const std::vector<std::int64_t>& ids,
                           std::string_view column, Params& params, int& next) {
  int n = bind_ids(ids, params, next);
  return backend == Backend::kSqlite
             ? fmt::format("{} IN (SELECT value FROM id_list(${}))", column, n)
             : fmt::format("{} = ANY(${}::bigint[])", column, n);
}

// The customer's own tickets: requested or CC'd.
std::string mine_ids_sql(int me) {
  return fmt::format(
      "SELECT id FROM tickets WHERE requester_id = ${0} "
      "UNION SELECT ticket_id FROM ticket_ccs WHERE user_id = ${0}",
      me);
}

using StatusCounts = std::map<int, std::int64_t>;  // status code → tickets

// The tickets of `counts` that the filter keeps.
std::int64_t kept_by(const StatusCounts& counts, StatusFilter filter) {
  std::int64_t kept = 0;
  for (auto [code, n] : counts) {
    auto status = domain::status_from_code(code);
    if (status && filter_matches(filter, *status)) kept += n;
  }
  return kept;
}

// The customer's own and CC'd tickets (those outside organization `outside_of` when given),
// counted by status into `counts`; returns the ids the filter keeps. One read serves both the
// counts and the page: the requested tickets from the index (requester, organization, status)
// alone, the few CC'd ones through the CC index.
Result<std::vector<std::int64_t>> own_tickets(Connection& c, std::int64_t user,
                                              std::optional<std::int64_t> outside_of,
                                              StatusFilter filter, StatusCounts& counts) {
  Params params(user);
  std::string outside;
  if (outside_of) {
    params.add(*outside_of);
    outside = " AND t.organization_id <> $2";
  }
  // UNION: a ticket both requested and CC'd on is one row (its id and status are the same).
  auto rows =
      c.query(fmt::format("SELECT t.id, t.status FROM tickets t WHERE t.requester_id = $1{0} "
                          "UNION SELECT t.id, t.status FROM ticket_ccs cc JOIN tickets t "
                          "ON t.id = cc.ticket_id WHERE cc.user_id = $1{0}",
                          outside),
              params);
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::int64_t> kept;
  for (const auto& r : *rows) {
    int code = static_cast<int>(r.integer(1));
    ++counts[code];
    auto status = domain::status_from_code(code);
    if (status && filter_matches(filter, *status)) kept.push_back(r.integer(0));
  }
  return kept;
}

// The desk's narrowing of a queue (staff only): conditions on t.
struct Narrowing {
  std::string sql;
  // Only the status (team) and organization are narrowed: ticket_counts can count it.
  bool countable = true;
  std::optional<std::set<int>> statuses;  // the team's statuses
};

Narrowing narrowing(const domain::Actor& actor, const TicketQuery& query, Params& params,
                    int& next) {
  Narrowing n;
  if (actor.role == domain::Role::kCustomer) return n;
  if (query.unassigned) {
    n.sql += " AND t.assignee_id IS NULL";
    n.countable = false;
  }
  if (query.assignee_id) {
    params.add(*query.assignee_id);
    n.sql += fmt::format(" AND t.assignee_id = ${}", next++);
    n.countable = false;
  }
  if (query.team) {
    std::string codes;
    n.statuses.emplace();
    for (auto s : domain::statuses_owned_by(*query.team)) {
      codes += fmt::format("{}{}", codes.empty() ? "" : ",", domain::to_code(s));
      n.statuses->insert(domain::to_code(s));
    }
    n.sql += fmt::format(" AND t.status IN ({})", codes.empty() ? "0" : codes);
  }
  if (query.organization_id) {
    params.add(*query.organization_id);
    n.sql += fmt::format(" AND t.organization_id = ${}", next++);
  }
  if (query.type) {
    params.add(domain::to_code(*query.type));
    n.sql += fmt::format(" AND t.type = ${}", next++);
    n.countable = false;
  }
  return n;
}

std::string_view order_column(SortColumn column) {
  switch (column) {
    case SortColumn::kId: return "t.id";
    case SortColumn::kSubject: return "t.subject";
    case SortColumn::kCreated: return "t.created_at";
    case SortColumn::kLastActivity: return "t.last_activity_at";
    case SortColumn::kStatus: return "t.status";
  }
  return "t.last_activity_at";
}

// The list's order, or its reverse (a keyset page before a ticket is read backwards).
std::string order_by(const TicketQuery& query, bool reverse = false) {
  std::string_view dir = query.descending != reverse ? "DESC" : "ASC";
  if (query.sort == SortColumn::kId) return fmt::format("t.id {}", dir);
  return fmt::format("{} {}, t.id {}", order_column(query.sort), dir, dir);
}

Result<void> add_counts(Connection& c, std::string_view sql, const Params& params,
                        StatusCounts& counts) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows) counts[static_cast<int>(r.integer(0))] += r.integer(1);
  return {};
}

// Per-status counts of the tickets `from_where` selects ("<source> WHERE <conditions>", with t
// the tickets).
Result<void> count_by_status(Connection& c, std::string_view from_where, const Params& params,
                             StatusCounts& counts) {
  return add_counts(c,
                    fmt::format("SELECT t.status, COUNT(*) FROM {} GROUP BY t.status", from_where),
                    params, counts);
}

// Binds the page's LIMIT and OFFSET; returns their placeholders as " LIMIT $a OFFSET $b".
std::string page_bounds(Params& params, int& next, int page, int page_size) {
  params.add(page_size);
  int limit = next++;
  params.add(static_cast<std::int64_t>(page - 1) * page_size);
  int offset = next++;
  return fmt::format(" LIMIT ${} OFFSET ${}", limit, offset);
}

// The page's rows. `from_where` selects the candidate tickets as t ("<source> WHERE
// <conditions>"); the page's ids are sorted and cut from it first, and only they are joined to
// the requester, organization and assignee when the list shows their names (a planner joins
// before it sorts: a search's 500 tickets would otherwise each read two people and an
// organization). read_page reads the columns in this order.
std::string page_sql(std::string_view from_where, const TicketQuery& query, std::string_view bounds,
                     bool backwards = false) {
  return fmt::format(
      "SELECT t.id, t.subject, t.status, t.type, t.created_at, t.last_activity_at{0} FROM "
      "(SELECT t.id FROM {1} ORDER BY {2}{3}) shown JOIN tickets t ON t.id = shown.id{4} "
      "ORDER BY {5}",
      query.with_names ? ", r.name, o.name, a.name" : "", from_where, order_by(query, backwards),
      bounds,
      query.with_names ? " JOIN users r ON r.id = t.requester_id JOIN organizations o ON "
                         "o.id = t.organization_id LEFT JOIN users a ON a.id = t.assignee_id"
                       : "",
      order_by(query));
}

// Keyset pagination (TicketQuery::after / before): the condition on t that keeps the rows past
// the cursor's ticket in the list's order, written so that the sort column's index reads from
// the cursor on ("col <= v AND (col < v OR id < cursor)"), and the page's bounds.
struct Keyset {
  std::string sql;
  bool backwards = false;  // a page before the cursor: read in reverse order
};

Result<std::optional<Keyset>> keyset(Connection& c, const TicketQuery& query, Params& params,
                                     int& next) {
  std::optional<std::int64_t> cursor = query.after ? query.after : query.before;
  if (!cursor) return std::nullopt;
  auto row = c.query_optional(
      fmt::format("SELECT {} FROM tickets t WHERE t.id = $1", order_column(query.sort)),
      Params(*cursor));
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::nullopt;
  Keyset k;
  k.backwards = !query.after;
  // Onwards in a descending list is towards smaller values.
  std::string_view op = query.descending != k.backwards ? "<" : ">";
  params.add(*cursor);
  int id = next++;
  if (query.sort == SortColumn::kId) {
    k.sql = fmt::format(" AND t.id {} ${}", op, id);
    return k;
  }
  if (query.sort == SortColumn::kSubject) {
    params.add((*row)->text(0));
  } else {
    params.add((*row)->integer(0));
  }
  int value = next++;
  k.sql = fmt::format(" AND {0} {1}= ${2} AND ({0} {1} ${2} OR t.id {1} ${3})",
                      order_column(query.sort), op, value, id);
  return k;
}

// Refuses a deep page named by number alone (kMaxNumberedPage), once the page is known to exist.
Result<void> check_numbered_page(const TicketList& list, bool keyset) {
  if (keyset || list.page <= kMaxNumberedPage) return {};
  return fail(ErrorCode::kInvalidArgument,
              fmt::format("Pages past {} open from the Next and Previous links, not by number. "
                          "To see the oldest tickets first, sort the other way.",
                          kMaxNumberedPage));
}

// How a page is read: its keyset condition on t (empty when paged by number), its LIMIT/OFFSET
// (from the cursor, or past the pages before it) and whether it is read backwards.
struct PageRead {
  std::string condition;
  std::string bounds;
  bool keyset = false;
  bool backwards = false;
};

Result<PageRead> page_read(Connection& c, const TicketQuery& query, const TicketList& list,
                           int page_size, Params& params, int& next) {
  auto keys = keyset(c, query, params, next);
  if (!keys) return std::unexpected(keys.error());
  if (auto ok = check_numbered_page(list, keys->has_value()); !ok) {
    return std::unexpected(ok.error());
  }
  PageRead read;
  if (*keys) {
    read.condition = (*keys)->sql;
    read.keyset = true;
    read.backwards = (*keys)->backwards;
  }
  read.bounds = page_bounds(params, next, read.keyset ? 1 : list.page, page_size);
  return read;
}

// The cursors of the pages around a page read by keyset or by number.
void set_cursors(TicketList& list) {
  if (list.items.empty()) return;
  if (list.page < list.pages) list.next_after = list.items.back().id;
  if (list.page > 1) list.prev_before = list.items.front().id;
}

// A list of ticket ids as a row source joined to the tickets: the planner then reads exactly
// those tickets by primary key instead of walking an index of all tickets and testing each.
std::string ids_source(Backend backend, const std::vector<std::int64_t>& ids, Params& params,
                       int& next) {
  int n = bind_ids(ids, params, next);
  return backend == Backend::kSqlite
             ? fmt::format(
                   "(SELECT value AS id FROM id_list(${})) page JOIN tickets t ON t.id = page.id",
                   n)
             : fmt::format("unnest(${}::bigint[]) AS page(id) JOIN tickets t ON t.id = page.id", n);
}

Result<void> read_page(Connection& c, const std::string& sql, const Params& params,
                       TicketList& list) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows) {
    TicketListItem item;
    item.id = r.integer(0);
    item.subject = r.text(1);
    item.status = domain::status_from_code(static_cast<int>(r.integer(2)))
                      .value_or(domain::Status::kSupportTeamNotified);
    item.type = domain::ticket_type_from_code(static_cast<int>(r.integer(3)))
                    .value_or(domain::TicketType::kProblem);
    item.created_at = r.integer(4);
    item.last_activity_at = r.integer(5);
    if (r.size() > 6) {
      item.requester_name = r.text(6);
      item.organization_name = r.text(7);
      item.assignee_name = r.opt_text(8);
    }
    list.items.push_back(std::move(item));
  }
  return {};
}

// ---- Search ----------------------------------------------------------------------------------

struct Found {
  std::vector<std::int64_t> ids;
  bool capped = false;
  // The newest matching message of each ticket found by its messages: the snippet's source.
  std::map<std::int64_t, std::int64_t> message_of;
};

// Adds ticket ids from rows (first column; a second is a matching message), noting whether the
// query hit its row limit.
Result<void> collect(Connection& c, const std::string& sql, const Params& params,
                     std::set<std::int64_t>& into, bool& capped,
                     std::map<std::int64_t, std::int64_t>* message_of = nullptr) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (static_cast<int>(rows->size()) >= kSearchRows) capped = true;
  for (const auto& r : *rows) {
    into.insert(r.integer(0));
    if (message_of && r.size() > 1) {
      auto& newest = (*message_of)[r.integer(0)];
      newest = std::max(newest, r.integer(1));
    }
  }
  return {};
}

// The tickets matching the words within the scope and the desk's narrowing: the newest
// kSearchRows matching messages and subjects, at most kSearchTickets tickets.
Result<Found> search_tickets(Connection& c, const domain::VisibilityScope& scope,
                             const std::vector<std::string>& words, const domain::Actor& actor,
                             const TicketQuery& query) {
  std::set<std::int64_t> ids;
  bool capped = false;
  std::map<std::int64_t, std::int64_t> message_of;
  bool customer = !scope.all;
  if (c.backend() == Backend::kSqlite) {
    std::string terms = fts5_words(words);
    std::string tokens;
    if (scope.requester_or_cc_user_id) tokens = fmt::format("u{}", *scope.requester_or_cc_user_id);
    if (scope.organization_id) {
      tokens += fmt::format("{}o{}", tokens.empty() ? "" : " OR ", *scope.organization_id);
    }
    std::string scoped = tokens.empty() ? "" : fmt::format(" AND scope : ({})", tokens);
    if (customer && tokens.empty()) return Found{};
    // The newest matches first (FTS5 walks its posting lists in rowid order and stops at the
    // LIMIT); the desk's narrowing is checked on each.
    for (auto [table, column] :
         {std::pair{"messages_fts", "body"}, std::pair{"tickets_fts", "subject"}}) {
      Params params(fmt::format("{} : {}{}", column, terms, scoped));
      int next = 2;
      params.add(kSearchRows);
      int limit = next++;
      auto narrow = narrowing(actor, query, params, next);
      bool is_messages = std::string_view(table) == "messages_fts";
      std::string sql;
      if (is_messages) {
        sql = fmt::format(
            "SELECT m.ticket_id, m.id FROM (SELECT rowid AS id FROM messages_fts WHERE "
            "messages_fts "
            "MATCH $1 ORDER BY rowid DESC LIMIT ${}) f JOIN messages m ON m.id = f.id{}",
            limit,
            narrow.sql.empty()
                ? std::string()
                : fmt::format(" JOIN tickets t ON t.id = m.ticket_id WHERE 1 = 1{}", narrow.sql));
      } else {
        sql = fmt::format(
            "SELECT f.id FROM (SELECT rowid AS id FROM tickets_fts WHERE tickets_fts MATCH $1 "
            "ORDER BY rowid DESC LIMIT ${}) f{}",
            limit,
            narrow.sql.empty()
                ? std::string()
                : fmt::format(" JOIN tickets t ON t.id = f.id WHERE 1 = 1{}", narrow.sql));
      }
      if (auto done = collect(c, sql, params, ids, capped, is_messages ? &message_of : nullptr);
          !done) {
        return std::unexpected(done.error());
      }
    }
  } else {
    // PostgreSQL: the GIN indexes find the matches; the scope (the organization, or the
    // customer's own tickets — each its own query, so that each can use its index) and the
    // narrowing are conditions on the ticket, and the planner picks the order: the matches, the
    // scope's tickets, or the newest messages first when the words are common.
    if (customer && !scope.organization_id && !scope.requester_or_cc_user_id) return Found{};
    enum class Part { kAll, kOrganization, kMine };
    std::vector<Part> parts;
    if (!customer) parts.push_back(Part::kAll);
    if (scope.organization_id) parts.push_back(Part::kOrganization);
    if (scope.requester_or_cc_user_id) parts.push_back(Part::kMine);
    for (auto part : parts) {
      for (bool is_messages : {true, false}) {
        // Planned for the words each time: a generic plan cannot tell a common word from a
        // rare one (it read and sorted all 65,359 subjects of "error" in the organization, 278
        // ms, where the newest-first walk takes 9 ms).
        Params params(tsquery(words));
        params.plan_each_time();
        int next = 2;
        std::string where;
        if (part == Part::kOrganization) {
          params.add(*scope.organization_id);
          where = fmt::format(" AND t.organization_id = ${}", next++);
        } else if (part == Part::kMine) {
          params.add(*scope.requester_or_cc_user_id);
          where = fmt::format(" AND t.id IN ({})", mine_ids_sql(next++));
          if (scope.organization_id) {
            // The organization's part has the customer's tickets inside it: only those outside
            // it are left (usually none; reading every message of the customer's own tickets
            // cost a rare-word search 90 ms).
            params.add(*scope.organization_id);
            where += fmt::format(" AND t.organization_id <> ${}", next++);
          }
        }
        auto narrow = narrowing(actor, query, params, next);
        params.add(kSearchRows);
        int limit = next++;
        // The tickets are joined only when a condition needs them.
        std::string join =
            where.empty() && narrow.sql.empty() ? "" : " JOIN tickets t ON t.id = m.ticket_id";
        std::string sql =
            is_messages ? fmt::format(
                              "SELECT m.ticket_id, m.id FROM messages m{} WHERE m.body_tsv @@ "
                              "to_tsquery('simple', $1){}{} ORDER BY m.id DESC LIMIT ${}",
                              join, where, narrow.sql, limit)
                        : fmt::format(
                              "SELECT t.id FROM tickets t WHERE t.subject_tsv @@ "
                              "to_tsquery('simple', $1){}{} ORDER BY t.id DESC LIMIT ${}",
                              where, narrow.sql, limit);
        if (auto done = collect(c, sql, params, ids, capped, is_messages ? &message_of : nullptr);
            !done) {
          return std::unexpected(done.error());
        }
      }
    }
  }
  Found found;
  found.message_of = std::move(message_of);
  // The newest tickets first (ids follow creation).
  for (auto it = ids.rbegin(); it != ids.rend() && found.ids.size() < kSearchTickets; ++it) {
    found.ids.push_back(*it);
  }
  found.capped = capped || ids.size() > kSearchTickets;
  return found;
}

// A ticket number: the one ticket, if the scope holds it.
Result<Found> find_number(Connection& c, const domain::VisibilityScope& scope,
                          std::int64_t number) {
  Params params(number);
  std::string where;
  if (!scope.all) {
    std::vector<std::string> parts;
    if (scope.requester_or_cc_user_id) {
      params.add(*scope.requester_or_cc_user_id);
      parts.push_back(
          "t.requester_id = $2 OR EXISTS (SELECT 1 FROM ticket_ccs cc WHERE cc.ticket_id = t.id "
          "AND cc.user_id = $2)");
    }
    if (scope.organization_id) {
      params.add(*scope.organization_id);
      parts.push_back(fmt::format("t.organization_id = ${}", parts.empty() ? 2 : 3));
    }
    if (parts.empty()) return Found{};
    std::string joined;
    for (const auto& p : parts) joined += (joined.empty() ? "" : " OR ") + p;
    where = " AND (" + joined + ")";
  }
  auto row = c.query_optional("SELECT t.id FROM tickets t WHERE t.id = $1" + where, params);
  if (!row) return std::unexpected(row.error());
  Found found;
  if (*row) found.ids.push_back((*row)->integer(0));
  return found;
}

// The page's subjects with the words marked, and for tickets found by a message, a snippet of
// their newest matching message (looked up by id: never a walk of the whole index). SQLite marks
// them here with the index's own tokenizer; PostgreSQL with ts_headline.
Result<void> add_highlights(Connection& c, const std::vector<std::string>& words,
                            const std::map<std::int64_t, std::int64_t>& message_of,
                            std::vector<TicketListItem>& items) {
  if (items.empty()) return {};
  bool sqlite = c.backend() == Backend::kSqlite;
  std::vector<std::int64_t> page_ids, message_ids;
  for (const auto& item : items) {
    page_ids.push_back(item.id);
    if (auto it = message_of.find(item.id); it != message_of.end()) {
      message_ids.push_back(it->second);
    }
  }
  std::map<std::int64_t, TicketListItem*> by_id;
  for (auto& item : items) by_id[item.id] = &item;

  if (sqlite) {
    std::vector<Phrase> phrases;
    for (const auto& word : words) {
      auto tokens = c.full_text_tokens(word);
      if (!tokens) return {};  // no tokenizer: the list stays unmarked
      Phrase phrase;
      for (auto& token : *tokens) phrase.push_back(std::move(token.word));
      if (!phrase.empty()) phrases.push_back(std::move(phrase));
    }
    for (auto& item : items) {  // the subjects are already on the page
      auto tokens = c.full_text_tokens(item.subject);
      if (!tokens) continue;
      if (auto marked = mark_matches(item.subject, *tokens, phrases)) {
        item.subject_html = highlight_html(*marked);
      }
    }
    if (message_ids.empty()) return {};
    Params body_params;
    int next = 1;
    auto bodies =
        c.query(fmt::format("SELECT m.ticket_id, m.body FROM messages m WHERE {}",
                            id_list_clause(c.backend(), message_ids, "m.id", body_params, next)),
                body_params);
    if (!bodies) return std::unexpected(bodies.error());
    for (const auto& r : *bodies) {
      std::string body = r.text(1);
      auto tokens = c.full_text_tokens(body);
      if (!tokens) continue;
      if (auto it = by_id.find(r.integer(0)); it != by_id.end()) {
        it->second->snippet_html = highlight_html(snippet(body, *tokens, phrases));
      }
    }
    return {};
  }

  Params subject_params(tsquery(words));
  Params snippet_params(tsquery(words));
  int next = 2;
  std::string subject_ids = id_list_clause(c.backend(), page_ids, "id", subject_params, next);
  next = 2;
  std::string snippet_ids = id_list_clause(c.backend(), message_ids, "id", snippet_params, next);
  constexpr std::string_view kOptions =
      "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=8, "
      "MaxFragments=1, FragmentDelimiter=…'";
  auto subjects = c.query(
      fmt::format(
          "SELECT id, ts_headline('simple', subject, to_tsquery('simple', $1), {}) FROM tickets "
          "WHERE {} AND subject_tsv @@ to_tsquery('simple', $1)",
          kOptions, subject_ids),
      subject_params);
  if (!subjects) return std::unexpected(subjects.error());
  for (const auto& r : *subjects) {
    if (auto it = by_id.find(r.integer(0)); it != by_id.end()) {
      it->second->subject_html = highlight_html(r.text(1));
    }
  }
  if (message_ids.empty()) return {};
  auto snippets = c.query(
      fmt::format("SELECT ticket_id, ts_headline('simple', body, to_tsquery('simple', $1), {}) "
                  "FROM messages WHERE {}",
                  kOptions, snippet_ids),
      snippet_params);
  if (!snippets) return std::unexpected(snippets.error());
  for (const auto& r : *snippets) {
    if (auto it = by_id.find(r.integer(0)); it != by_id.end()) {
      it->second->snippet_html = highlight_html(r.text(1));
    }
  }
  return {};
}

// ---- The list --------------------------------------------------------------------------------

// Fills list.counts, status_counts, total, page and pages from the per-status counts.
void apply_counts(const StatusCounts& counts, const TicketQuery& query, const domain::Actor& actor,
                  int page_size, TicketList& list) {
  std::map<StatusFilter, std::int64_t> per_filter;
  for (auto [code, n] : counts) {
    auto status = domain::status_from_code(code);
    if (!status || n <= 0) continue;
    for (auto f : kStatusFilters) {
      if (filter_matches(f, *status)) per_filter[f] += n;
    }
    list.status_counts.emplace_back(*status, n);
  }
  std::sort(list.status_counts.begin(), list.status_counts.end());
  for (auto f : kStatusFilters) list.counts.emplace_back(f, per_filter[f]);
  list.total = per_filter[query.filter];
  if (query.status && actor.role != domain::Role::kCustomer) {
    list.total = 0;
    for (auto [s, n] : list.status_counts) {
      if (s == *query.status && filter_matches(query.filter, s)) list.total = n;
    }
  }
  list.pages = std::max<int>(1, static_cast<int>((list.total + page_size - 1) / page_size));
  list.page = std::clamp(query.page, 1, list.pages);
}

// The one status the desk asked for, if any (customers cannot ask).
std::optional<int> exact_status_code(const domain::Actor& actor, const TicketQuery& query) {
  if (!query.status || actor.role == domain::Role::kCustomer) return std::nullopt;
  return domain::to_code(*query.status);
}

std::string exact_status_clause(const domain::Actor& actor, const TicketQuery& query) {
  auto code = exact_status_code(actor, query);
  return code ? fmt::format(" AND t.status = {}", *code) : std::string();
}

// A search's page when the list sorts by a number: the found tickets' statuses and sort keys read
// in one pass give the counts, the filter and the page's ids, sorted here as the SQL would (the
// key, then the id, in the list's direction); only the page's rows are read again, with their
// names. (The two reads it replaces, one for the counts and one for a sorted page, were a quarter
// of a common-word search's time.) A subject sort is left to the database's collation.
Result<void> read_found_page(Connection& c, const std::string& found_where, const Params& params,
                             const TicketQuery& query, const domain::Actor& actor, int page_size,
                             StatusCounts& counts, TicketList& list) {
  auto rows = c.query(
      fmt::format("SELECT t.id, t.status, {} FROM {}", order_column(query.sort), found_where),
      params);
  if (!rows) return std::unexpected(rows.error());
  auto exact = exact_status_code(actor, query);
  std::vector<std::pair<std::int64_t, std::int64_t>> kept;  // (sort key, id)
  for (const auto& r : *rows) {
    int code = static_cast<int>(r.integer(1));
    ++counts[code];
    auto status = domain::status_from_code(code);
    if (!status || !filter_matches(query.filter, *status) || (exact && code != *exact)) continue;
    kept.emplace_back(r.integer(2), r.integer(0));
  }
  apply_counts(counts, query, actor, page_size, list);
  if (query.descending) {
    std::sort(kept.begin(), kept.end(), std::greater<>());
  } else {
    std::sort(kept.begin(), kept.end());
  }
  std::vector<std::int64_t> page;
  auto from = std::min(kept.size(), static_cast<std::size_t>(list.page - 1) * page_size);
  auto to = std::min(kept.size(), from + static_cast<std::size_t>(page_size));
  for (auto i = from; i < to; ++i) page.push_back(kept[i].second);
  if (page.empty()) return {};
  Params page_params;
  int next = 1;
  auto sql = page_sql(
      fmt::format("{} WHERE 1 = 1", ids_source(c.backend(), page, page_params, next)), query, "");
  return read_page(c, sql, page_params, list);
}

// Counts kept by triggers: of one organization (ticket_counts) or of all (ticket_status_counts);
// only the given statuses if any.
Result<void> table_counts(Connection& c, std::optional<std::int64_t> organization_id,
                          const std::optional<std::set<int>>& statuses, StatusCounts& counts) {
  StatusCounts all;
  auto done = organization_id
                  ? add_counts(c, "SELECT status, n FROM ticket_counts WHERE organization_id = $1",
                               Params(*organization_id), all)
                  : add_counts(c, "SELECT status, n FROM ticket_status_counts", Params(), all);
  if (!done) return done;
  for (auto [code, n] : all) {
    if (!statuses || statuses->contains(code)) counts[code] += n;
  }
  return {};
}

}  // namespace

std::span<const StatusFilter> all_status_filters() { return kStatusFilters; }

std::string_view status_filter_slug(StatusFilter filter) {
  switch (filter) {
    case StatusFilter::kAll: return "all";
    case StatusFilter::kPendingOnSupport: return "pending-support";
    case StatusFilter::kPendingOnMe: return "pending-me";
    case StatusFilter::kOpen: return "open";
    case StatusFilter::kClosed: return "closed";
  }
  return "all";
}

std::string_view status_filter_label(StatusFilter filter) {
  switch (filter) {
    case StatusFilter::kAll: return "All";
    case StatusFilter::kPendingOnSupport: return "Pending on support";
    case StatusFilter::kPendingOnMe: return "Pending on me";
    case StatusFilter::kOpen: return "Open";
    case StatusFilter::kClosed: return "Closed";
  }
  return "All";
}

std::optional<StatusFilter> status_filter_from_slug(std::string_view slug) {
  for (auto f : kStatusFilters) {
    if (status_filter_slug(f) == slug) return f;
  }
  return std::nullopt;
}

std::string_view sort_column_slug(SortColumn column) {
  switch (column) {
    case SortColumn::kId: return "id";
    case SortColumn::kSubject: return "subject";
    case SortColumn::kCreated: return "created";
    case SortColumn::kLastActivity: return "activity";
    case SortColumn::kStatus: return "status";
  }
  return "activity";
}

std::optional<SortColumn> sort_column_from_slug(std::string_view slug) {
  for (auto c : {SortColumn::kId, SortColumn::kSubject, SortColumn::kCreated,
                 SortColumn::kLastActivity, SortColumn::kStatus}) {
    if (sort_column_slug(c) == slug) return c;
  }
  return std::nullopt;
}

Result<TicketList> list_tickets(Env& env, const domain::Actor& actor, const TicketQuery& query) {
  auto scope = domain::visibility_scope(actor, query.view);
  int page_size = std::clamp(query.page_size, 1, 100);
  return env.db.read([&](Connection& c) -> Result<TicketList> {
    TicketList list;
    StatusCounts counts;
    const std::string exact_status = exact_status_clause(actor, query);

    // Search: a ticket number, or words. Either gives a bounded list of ids, counted and sorted
    // as they are.
    std::optional<Found> found;
    std::vector<std::string> words;
    if (auto number = parse_ticket_number(query.search)) {
      auto f = find_number(c, scope, *number);
      if (!f) return std::unexpected(f.error());
      found = std::move(*f);
    } else if (words = search_words(query.search); !words.empty()) {
      auto f = search_tickets(c, scope, words, actor, query);
      if (!f) return std::unexpected(f.error());
      found = std::move(*f);
    }
    if (found) {
      list.more = found->capped;
      if (found->ids.empty()) {
        apply_counts(counts, query, actor, page_size, list);
        return list;
      }
      Params params;
      int next = 1;
      std::string source = ids_source(c.backend(), found->ids, params, next);
      std::string narrow = narrowing(actor, query, params, next).sql;
      if (query.sort != SortColumn::kSubject) {
        if (auto done = read_found_page(c, fmt::format("{} WHERE 1 = 1{}", source, narrow), params,
                                        query, actor, page_size, counts, list);
            !done) {
          return std::unexpected(done.error());
        }
      } else {
        if (auto done =
                count_by_status(c, fmt::format("{} WHERE 1 = 1{}", source, narrow), params, counts);
            !done) {
          return std::unexpected(done.error());
        }
        apply_counts(counts, query, actor, page_size, list);
        auto bounds = page_bounds(params, next, list.page, page_size);
        auto sql = page_sql(fmt::format("{} WHERE 1 = 1{}{}{}", source, narrow,
                                        status_clause(query.filter), exact_status),
                            query, bounds);
        if (auto done = read_page(c, sql, params, list); !done) {
          return std::unexpected(done.error());
        }
      }
      if (!words.empty()) {
        if (auto done = add_highlights(c, words, found->message_of, list.items); !done) {
          return std::unexpected(done.error());
        }
      }
      return list;
    }

    if (scope.all) {
      // The desk. Counts: from ticket_counts when only statuses and the organization narrow the
      // queue, else from the indexes of the narrowing (assignee).
      Params params;
      int next = 1;
      auto narrow = narrowing(actor, query, params, next);
      if (narrow.countable) {
        if (auto done = table_counts(c, query.organization_id, narrow.statuses, counts); !done) {
          return std::unexpected(done.error());
        }
      } else if (auto done = count_by_status(c, fmt::format("tickets t WHERE 1 = 1{}", narrow.sql),
                                             params, counts);
                 !done) {
        return std::unexpected(done.error());
      }
      apply_counts(counts, query, actor, page_size, list);
      auto read = page_read(c, query, list, page_size, params, next);
      if (!read) return std::unexpected(read.error());
      auto sql = page_sql(fmt::format("tickets t WHERE 1 = 1{}{}{}{}", narrow.sql,
                                      status_clause(query.filter), exact_status, read->condition),
                          query, read->bounds, read->backwards);
      if (auto done = read_page(c, sql, params, list); !done) return std::unexpected(done.error());
      set_cursors(list);
      return list;
    }

    if (!scope.requester_or_cc_user_id && !scope.organization_id) {
      apply_counts(counts, query, actor, page_size, list);
      return list;
    }

    if (!scope.organization_id) {
      // A customer's own tickets: their ids, read once for the counts and the page, sorted.
      auto mine =
          own_tickets(c, *scope.requester_or_cc_user_id, std::nullopt, query.filter, counts);
      if (!mine) return std::unexpected(mine.error());
      apply_counts(counts, query, actor, page_size, list);
      if (mine->empty()) return list;
      Params params;
      int next = 1;
      auto read = page_read(c, query, list, page_size, params, next);
      if (!read) return std::unexpected(read.error());
      auto sql =
          page_sql(fmt::format("{} WHERE 1 = 1{}", ids_source(c.backend(), *mine, params, next),
                               read->condition),
                   query, read->bounds, read->backwards);
      if (auto done = read_page(c, sql, params, list); !done) return std::unexpected(done.error());
      set_cursors(list);
      return list;
    }

    // The organization view: the organization's tickets (ticket_counts; an ordered index walk
    // that stops after the page) plus the customer's own and CC'd tickets of other organizations
    // (a few ids, usually none, read once for the counts and the page).
    std::int64_t org = *scope.organization_id;
    if (auto done = table_counts(c, org, std::nullopt, counts); !done) {
      return std::unexpected(done.error());
    }
    // The organization's tickets, and those the filter keeps (before the customer's own
    // elsewhere are added): they decide how the page is read, below.
    const std::int64_t in_org = kept_by(counts, StatusFilter::kAll);
    const std::int64_t in_filter = kept_by(counts, query.filter);
    std::vector<std::int64_t> outside;  // own tickets outside the organization, in the filter
    if (auto me = scope.requester_or_cc_user_id) {
      auto mine = own_tickets(c, *me, org, query.filter, counts);
      if (!mine) return std::unexpected(mine.error());
      outside = std::move(*mine);
    }
    apply_counts(counts, query, actor, page_size, list);
    Params params(org);
    int next = 2;
    auto read = page_read(c, query, list, page_size, params, next);
    if (!read) return std::unexpected(read.error());
    // The page is read either by walking the organization's index in the list's order, checking
    // the status of each ticket, until it has the rows it needs (`needed`; about needed /
    // share of the organization's tickets read), or by reading every ticket the filter keeps
    // through the status index and sorting them (`in_filter` read). The counts say which reads
    // fewer: walk when needed × in_org < in_filter². Both planners are told ("t.status + 0" is
    // not indexable): at 1,000,000 tickets PostgreSQL chose the status index for the largest
    // organization's Open list (8,194 tickets read and sorted, 10 ms) where the walk reads 25
    // (0.3 ms), and SQLite plans on fixed estimates.
    std::int64_t needed = static_cast<std::int64_t>(read->keyset ? 1 : list.page) * page_size;
    bool walk = query.filter == StatusFilter::kAll ||
                (in_filter > 0 && needed * in_org < in_filter * in_filter);
    std::string org_status = status_clause(query.filter, walk ? "t.status + 0" : "t.status");
    std::string org_tickets =
        fmt::format("tickets t WHERE t.organization_id = $1{}{}", org_status, read->condition);
    std::string sql;
    if (outside.empty()) {
      sql = page_sql(org_tickets, query, read->bounds, read->backwards);
    } else {
      // The walk stops after the rows of this page and those before it (from the cursor: this
      // page's); the ids outside join them.
      params.add(static_cast<std::int64_t>(read->keyset ? 1 : list.page) * page_size);
      int enough = next++;
      std::string candidates = fmt::format(
          "SELECT id FROM (SELECT t.id FROM {} ORDER BY {} LIMIT ${}) org_page "
          "UNION ALL SELECT t.id FROM {} WHERE 1 = 1{}",
          org_tickets, order_by(query, read->backwards), enough,
          ids_source(c.backend(), outside, params, next), read->condition);
      sql = page_sql(fmt::format("({}) page JOIN tickets t ON t.id = page.id", candidates), query,
                     read->bounds, read->backwards);
    }
    if (auto done = read_page(c, sql, params, list); !done) return std::unexpected(done.error());
    set_cursors(list);
    return list;
  });
}

}  // namespace portico::app
