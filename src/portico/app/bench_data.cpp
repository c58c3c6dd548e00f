#include "portico/app/bench_data.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <utility>

#include <fmt/format.h>

#include "portico/core/crypto.hpp"
#include "portico/domain/status.hpp"
#include "portico/domain/workflow.hpp"
#include "portico/storage/db.hpp"

namespace portico::app {

namespace {

using storage::Backend;
using storage::Connection;
using storage::Params;

constexpr std::string_view kPassword = "bench-portico-2024";
constexpr std::int64_t kHour = 3'600;
constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kYears = 3 * 365 * kDay;
constexpr int kAgentsPerTeam = 10;
constexpr int kLongTicketMessages = 50;
constexpr int kMaxMessagesPerTicket = 40;  // except the long tickets
// Rows per transaction, roughly: tickets per chunk times (1 + messages + events + CCs).
constexpr std::int64_t kTicketsPerTransaction = 6'000;
// Rows per multi-row INSERT. PostgreSQL: many, to save round trips. SQLite: few, because binding
// a parameter by its $n name costs time proportional to the statement's parameter count.
constexpr int kRowsPerStatementPostgres = 200;
constexpr int kRowsPerStatementSqlite = 8;

// Words planted for the benchmark's searches. Neither is in the vocabulary nor a prefix of a
// vocabulary word, so the FTS5 prefix query "quokka"* finds exactly the planted rows.
constexpr std::string_view kRareMessageWord = "quokka";
constexpr std::string_view kRareSubjectWord = "zeppelin";

// The vocabulary: real support and product words, most frequent first (rank decides the Zipf
// weight), followed by generated product and module code names (rare words).
constexpr std::string_view kWords =
    "error ticket user customer report export page login update account order invoice issue "
    "problem data email password access server settings screen button file dashboard payment "
    "system version release message request shipment label printer browser report customers "
    "invoices orders users accounts admin support team time today yesterday morning week month "
    "working broken slow failed failing timeout crash crashes crashed missing wrong duplicate "
    "duplicated blank empty stuck loading load saving save sync synchronization import upload "
    "download attachment attachments configuration permission permissions role roles group "
    "groups integration api token key certificate ssl domain network connection database query "
    "search filter filters sort column columns field fields form forms table tables chart charts "
    "graph total totals amount amounts tax taxes discount discounts price prices currency "
    "checkout cart basket product products catalog catalogue stock inventory warehouse delivery "
    "address addresses carrier tracking return returns refund refunds credit note notes "
    "statement statements balance ledger journal entry entries period periods closing "
    "reconciliation bank transfer transfers card cards approval approvals workflow workflows "
    "notification notifications reminder reminders schedule scheduled job jobs batch queue "
    "queues retry retries log logs audit trail history backup restore migration upgrade "
    "downgrade patch hotfix fix fixes workaround bug bugs regression behaviour behavior "
    "expected actual steps reproduce screenshot attached video session sessions cookie cookies "
    "cache cached refresh reload restart reboot install installed uninstall license licence "
    "subscription plan billing renewal trial mobile android iphone ios tablet desktop windows "
    "mac linux chrome firefox safari edge printer printers scanner barcode barcodes pdf csv "
    "excel spreadsheet xml json webhook webhooks endpoint endpoints request requests response "
    "responses status code codes header headers redirect redirects link links url urls "
    "template templates layout font fonts logo colour color theme dark mode language languages "
    "translation translations timezone timezones date dates calendar holiday holidays shift "
    "shifts employee employees payroll salary hours timesheet timesheets project projects task "
    "tasks milestone milestones comment comments mention mentions share shared sharing folder "
    "folders document documents contract contracts signature signatures approval vendor vendors "
    "supplier suppliers purchase purchases receipt receipts quote quotes quotation estimate "
    "estimates proposal customer portal storefront store stores branch branches location "
    "locations region regions country countries city postcode zip phone number numbers "
    "sequence sequences prefix counter counters limit limits quota quotas usage storage disk "
    "memory cpu performance latency outage incident incidents maintenance downtime degraded "
    "intermittent random sometimes always never again still since after before during when "
    "monday tuesday wednesday thursday friday weekend january february march april may june "
    "july august september october november december quarter year annual monthly weekly daily "
    "nightly hourly manual automatic automatically manually enabled disabled enable disable "
    "toggle option options preference preferences default defaults custom customize customise "
    "setup onboarding training documentation guide article help faq question questions answer "
    "answers feedback suggestion suggestions feature features roadmap request improvement "
    "improvements enhancement enhancements idea ideas vote votes priority urgent critical high "
    "low medium blocker blocking blocked unblock escalate escalation escalated manager managers "
    "supervisor director owner owners contact contacts key colleague colleagues partner "
    "partners reseller resellers client clients tenant tenants instance instances environment "
    "environments staging production sandbox test testing qa validation validate validated "
    "verify verified verification confirm confirmed confirmation deploy deployed deployment "
    "rollout rollback build builds pipeline pipelines release notes changelog compatibility "
    "compatible incompatible supported unsupported deprecated legacy new old previous next "
    "latest current version upgrade upgraded upgrading migrate migrated migrating convert "
    "converted conversion rounding precision decimal decimals negative positive zero null "
    "undefined exception stack trace traceback warning warnings alert alerts monitor "
    "monitoring metric metrics threshold thresholds spike spikes peak capacity scale scaling "
    "cluster node nodes replica replicas failover primary secondary region zone datacenter "
    "firewall proxy vpn dns ip port ports socket handshake encryption encrypted decrypt "
    "password reset expired expiry expire expires lockout locked unlock mfa otp sms "
    "authenticator sso saml oauth ldap directory provisioning deprovisioning invite invitation "
    "invitations register registration signup profile avatar name surname username display "
    "visible hidden archive archived delete deleted remove removed restore restored trash bin "
    "merge merged split splitting copy copied paste clipboard print printed printing preview "
    "zoom resize scroll scrolling click clicked tap double drag drop dropdown menu menus tab "
    "tabs modal popup dialog tooltip icon icons image images photo photos thumbnail gallery "
    "media audio sound volume camera microphone bluetooth wifi offline online connected "
    "disconnected reconnect signal battery charger device devices hardware firmware driver "
    "drivers kiosk terminal till register pos receipt drawer scale label labels courier "
    "pallet pallets container freight customs duty duties import export vat gst invoice "
    "invoicing billing dunning overdue unpaid paid partial partially full fully pending "
    "processing processed complete completed cancel cancelled canceled cancellation hold "
    "holds release released dispatch dispatched picked packed shipped delivered lost damaged "
    "replacement exchange warranty repair serial lot batch expiry recall";

// Syllables of generated code names: "ledgerhub", "syncpoint", ...
constexpr std::array<std::string_view, 56> kNamePrefixes = {
    "ledger", "sync",   "pay",   "stock", "ship",  "route", "flow",  "core",   "data",  "cloud",
    "fleet",  "trade",  "store", "cash",  "bill",  "time",  "task",  "work",   "desk",  "form",
    "vault",  "gate",   "link",  "mail",  "post",  "page",  "view",  "port",   "dock",  "yard",
    "cargo",  "parcel", "price", "tax",   "audit", "rate",  "fuel",  "grid",   "hub",   "lane",
    "mesh",   "node",   "pulse", "quant", "relay", "scope", "spark", "stream", "tally", "track",
    "unit",   "wave",   "zen",   "nova",  "orbit", "prism"};
constexpr std::array<std::string_view, 48> kNameSuffixes = {
    "hub",  "point", "desk",  "flow", "sync",  "base",  "line", "works", "ware",  "bridge",
    "gate", "link",  "kit",   "pad",  "box",   "cast",  "view", "port",  "stack", "cloud",
    "mate", "wise",  "ly",    "io",   "ify",   "er",    "ex",   "ion",   "ora",   "ara",
    "tron", "matic", "sense", "path", "trail", "scope", "core", "net",   "plus",  "one",
    "pro",  "max",   "lite",  "go",   "now",   "star",  "deck", "craft"};

constexpr std::array<std::string_view, 36> kFunctionWords = {
    "the",  "to",  "and", "a",   "of",   "in", "is",    "it",  "for",  "on",    "with", "that",
    "this", "we",  "our", "you", "your", "be", "are",   "not", "when", "after", "from", "can",
    "have", "but", "was", "at",  "as",   "if", "there", "i",   "my",   "any",   "all",  "please"};

constexpr std::array<std::string_view, 40> kFirstNames = {
    "Alice", "Bob",   "Carol", "David",  "Erin",  "Frank", "Grace", "Hiro",  "Ines",  "Jamal",
    "Kira",  "Liam",  "Maya",  "Noah",   "Olga",  "Pedro", "Quinn", "Rosa",  "Sven",  "Tara",
    "Umar",  "Vera",  "Wei",   "Ximena", "Yusuf", "Zoe",   "Amara", "Bruno", "Chen",  "Dara",
    "Elif",  "Farid", "Gita",  "Hana",   "Ivan",  "Jana",  "Kofi",  "Lena",  "Mateo", "Nia"};
constexpr std::array<std::string_view, 40> kLastNames = {
    "Anders", "Brown",  "Chen",     "Diaz",   "Evans",  "Fischer",  "Garcia",  "Hughes",
    "Ito",    "Jensen", "Kowalski", "Lopez",  "Murphy", "Nakamura", "Okafor",  "Patel",
    "Quist",  "Rossi",  "Schmidt",  "Tanaka", "Ueda",   "Varga",    "Wang",    "Xu",
    "Yilmaz", "Zhang",  "Adeyemi",  "Berg",   "Costa",  "Dubois",   "Eriksen", "Fontaine",
    "Gomez",  "Haddad", "Iqbal",    "Joshi",  "Kim",    "Larsen",   "Moreau",  "Novak"};
constexpr std::array<std::string_view, 16> kOrgKinds = {
    "Logistics", "Retail", "Systems", "Health",    "Foods",   "Bank",     "Energy", "Media",
    "Travel",    "Motors", "Pharma",  "Insurance", "Telecom", "Airlines", "Games",  "Holdings"};

// The Help Center: fixed, findable article titles first, then generated ones.
constexpr std::array<std::string_view, 6> kCategoryNames = {
    "Getting started",      "Tickets",      "Your account",
    "Billing and invoices", "Integrations", "Troubleshooting"};
constexpr std::array<std::string_view, 10> kArticleTitles = {"How to reset your password",
                                                             "Exporting reports to CSV",
                                                             "Printing shipment labels",
                                                             "Setting up single sign-on",
                                                             "Why is my invoice total wrong?",
                                                             "Connecting the API with a token",
                                                             "Inviting colleagues to the portal",
                                                             "Understanding ticket statuses",
                                                             "Fixing sync timeouts",
                                                             "Configuring e-mail notifications"};
constexpr std::string_view kArticleQuery = "password reset";

// Closed tickets' resolutions, with weights.
constexpr std::array<std::pair<domain::Resolution, int>, 6> kResolutions = {{
    {domain::Resolution::kResolvedConfirmedByCustomer, 45},
    {domain::Resolution::kResolved, 25},
    {domain::Resolution::kNoResponse, 15},
    {domain::Resolution::kDuplicate, 5},
    {domain::Resolution::kWontFix, 3},
    {domain::Resolution::kClosedByCustomer, 7},
}};

// How open tickets spread over the open statuses (weights by code 1..14), like a desk where
// the support queues and development hold most of the work.
constexpr std::array<int, 14> kOpenStatusWeights = {10, 8, 6, 4, 12, 8, 3, 8, 3, 6, 10, 4, 5, 7};

// The generator's random numbers: std::mt19937_64 with its own (portable) conversions, so that a
// seed gives the same dataset with any standard library.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  // Uniform in [0, n); n > 0. The modulo bias (n / 2^64) is irrelevant here.
  std::int64_t below(std::int64_t n) {
    return static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(n));
  }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <std::size_t N>
  std::size_t weighted(const std::array<int, N>& weights) {
    int total = std::accumulate(weights.begin(), weights.end(), 0);
    auto pick = static_cast<int>(below(total));
    for (std::size_t i = 0; i < N; ++i) {
      if (pick < weights[i]) return i;
      pick -= weights[i];
    }
    return N - 1;
  }

 private:
  std::mt19937_64 engine_;
};

// Draws vocabulary ranks with Zipf weights 1/(rank+1)^s in O(1), through a table of 2^20 ranks
// laid out by the cumulative distribution (the rarest words still get dozens of entries).
class ZipfTable {
 public:
  ZipfTable(std::size_t n, double s) : table_(std::size_t{1} << kBits) {
    std::vector<double> cdf(n);
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      total += 1.0 / std::pow(static_cast<double>(i + 1), s);
      cdf[i] = total;
    }
    std::size_t rank = 0;
    for (std::size_t j = 0; j < table_.size(); ++j) {
      double at = (static_cast<double>(j) + 0.5) / static_cast<double>(table_.size()) * total;
      while (rank + 1 < n && cdf[rank] < at) ++rank;
      table_[j] = static_cast<std::uint32_t>(rank);
    }
  }
  std::size_t operator()(Random& random) const { return table_[random.next() >> (64 - kBits)]; }

 private:
  static constexpr int kBits = 20;
  std::vector<std::uint32_t> table_;
};

// Collects rows of one table into multi-row INSERTs (kRowsPerStatement…) and writes
// them on flush() (each statement text is prepared once per connection and reused). Nothing is
// written before flush(), so the caller decides the order tables are written in (parents first,
// for foreign keys that are checked).
class BulkInserter {
 public:
  BulkInserter(Connection& c, std::string_view table, std::vector<std::string_view> columns)
      : c_(c),
        table_(table),
        columns_(std::move(columns)),
        batch_(c.backend() == Backend::kSqlite ? kRowsPerStatementSqlite
                                               : kRowsPerStatementPostgres) {
    full_sql_ = sql_for(batch_);
  }

  template <typename... Ts>
  void add(Ts&&... values) {
    static_assert(sizeof...(Ts) > 0);
    (params_.add(std::forward<Ts>(values)), ...);
    if (++pending_ == batch_) {
      ready_.push_back(std::move(params_));
      params_ = Params();
      pending_ = 0;
    }
    ++rows_;
  }

  Result<void> flush() {
    for (const auto& batch : ready_) {
      if (auto done = c_.execute(full_sql_, batch); !done) return std::unexpected(done.error());
    }
    ready_.clear();
    if (pending_ > 0) {
      if (auto done = c_.execute(sql_for(pending_), params_); !done) {
        return std::unexpected(done.error());
      }
      params_ = Params();
      pending_ = 0;
    }
    return {};
  }

  std::int64_t rows() const { return rows_; }

 private:
  std::string sql_for(int rows) const {
    std::string sql = fmt::format("INSERT INTO {} (", table_);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      sql += fmt::format("{}{}", i ? ", " : "", columns_[i]);
    }
    sql += ") VALUES ";
    int n = 1;
    for (int r = 0; r < rows; ++r) {
      sql += r ? ", (" : "(";
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        sql += fmt::format("{}${}", i ? ", " : "", n++);
      }
      sql += ")";
    }
    return sql;
  }

  Connection& c_;
  std::string table_;
  std::vector<std::string_view> columns_;
  int batch_;
  std::string full_sql_;
  std::vector<Params> ready_;
  Params params_;
  int pending_ = 0;
  std::int64_t rows_ = 0;
};

// The tables whose indexes and triggers the rebuild mode suspends.
constexpr std::array<std::string_view, 5> kBulkTables = {"tickets", "messages", "ticket_events",
                                                         "ticket_ccs", "attachments"};

// Secondary indexes and triggers of kBulkTables, as the SQL that recreates them.
struct SuspendedSchema {
  std::vector<std::string> drop;
  std::vector<std::string> create;
  // SQLite: the planner statistics rows (tbl, idx, stat) of the dropped indexes, which DROP
  // INDEX deletes (migration 0004 writes them).
  std::vector<std::array<std::string, 3>> stats;
};

Result<SuspendedSchema> suspend_indexes(Connection& c) {
  std::string tables;
  for (auto t : kBulkTables) tables += fmt::format("{}'{}'", tables.empty() ? "" : ", ", t);
  SuspendedSchema schema;
  if (c.backend() == Backend::kSqlite) {
    // Unique and primary-key indexes (sql IS NULL: automatic) stay; so do the FTS tables.
    auto rows =
        c.query(fmt::format("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                            "('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN "
                            "({}) ORDER BY type, name",
                            tables));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      schema.drop.push_back(
          fmt::format("DROP {} {}", r.text(0) == "index" ? "INDEX" : "TRIGGER", r.text(1)));
      schema.create.push_back(r.text(2));
    }
    auto has_stats = c.query_one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'");
    if (!has_stats) return std::unexpected(has_stats.error());
    if (has_stats->integer(0) > 0) {
      auto stats = c.query(fmt::format(
          "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN ({}) AND idx IS NOT NULL", tables));
      if (!stats) return std::unexpected(stats.error());
      for (const auto& r : *stats) schema.stats.push_back({r.text(0), r.text(1), r.text(2)});
    }
  } else {
    auto rows = c.query(fmt::format(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname IN ({}) AND NOT x.indisprimary AND NOT x.indisunique "
        "AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
        "ORDER BY i.relname",
        tables));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      schema.drop.push_back(fmt::format("DROP INDEX {}", r.text(0)));
      schema.create.push_back(r.text(1));
    }
  }
  for (const auto& sql : schema.drop) {
    if (auto done = c.execute_script(sql); !done) return std::unexpected(done.error());
  }
  return schema;
}

// Fills the SQLite full-text tables from the loaded rows, as migrations 0005 and 0007 do for
// existing rows (internal notes are never indexed), then recreates the indexes and triggers.
Result<void> restore_indexes(Connection& c, const SuspendedSchema& schema,
                             const std::function<void(std::string_view)>& note) {
  if (c.backend() == Backend::kSqlite) {
    // The CC tokens of the search scope (migration 0007; the ticket_ccs triggers were
    // suspended), then the indexes from their content views, then merged into one segment each,
    // as app::tidy_search_indexes brings a live index to.
    for (std::string_view sql : {"UPDATE tickets SET cc_tokens = (SELECT group_concat(' u' || "
                                 "user_id, '') FROM ticket_ccs WHERE ticket_id = tickets.id) "
                                 "WHERE id IN (SELECT ticket_id FROM ticket_ccs)",
                                 "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
                                 "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
                                 "INSERT INTO tickets_fts(tickets_fts) VALUES ('optimize')",
                                 "INSERT INTO messages_fts(messages_fts) VALUES ('optimize')"}) {
      auto started = std::chrono::steady_clock::now();
      if (auto done = c.execute_script(sql); !done) return std::unexpected(done.error());
      note(fmt::format(
          "  {:.1f} s  {}",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          sql.substr(0, std::min(sql.find(" VALUES"), sql.find(" = (")))));
    }
  }
  for (const auto& sql : schema.create) {
    auto started = std::chrono::steady_clock::now();
    if (auto done = c.execute_script(sql); !done) return std::unexpected(done.error());
    std::string_view shown(sql);
    note(fmt::format(
        "  {:.1f} s  {}",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        shown.substr(0, std::min(shown.find(" ON "), shown.find('\n')))));
  }
  for (const auto& [table, index, stat] : schema.stats) {
    auto done = c.execute("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ($1, $2, $3)",
                          Params(table, index, stat));
    if (!done) return std::unexpected(done.error());
  }
  return {};
}

// Capitalizes the first letter (ASCII).
void capitalize(std::string& text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
}

class TextMaker {
 public:
  explicit TextMaker(Random& random)
      : random_(random), words_(bench_vocabulary()), zipf_(words_.size(), 1.0) {}

  std::string_view word() { return words_[zipf_(random_)]; }

  // One sentence of 6..16 tokens, about half of them function words.
  void sentence(std::string& out) {
    auto tokens = random_.between(6, 16);
    std::size_t start = out.size();
    for (std::int64_t i = 0; i < tokens; ++i) {
      if (i) out += ' ';
      if (random_.chance(0.45)) {
        out += kFunctionWords[static_cast<std::size_t>(random_.below(kFunctionWords.size()))];
      } else {
        out += word();
      }
    }
    if (out.size() > start && out[start] >= 'a' && out[start] <= 'z') {
      out[start] = static_cast<char>(out[start] - 32);
    }
    out += random_.chance(0.15) ? "?" : ".";
  }

  std::string subject(std::optional<std::string_view> planted) {
    std::string out;
    auto n = random_.between(4, 9);
    auto plant_at = planted ? random_.below(n) : -1;
    for (std::int64_t i = 0; i < n; ++i) {
      if (i) out += ' ';
      if (i == plant_at) {
        out += *planted;
      } else {
        out += word();
      }
    }
    capitalize(out);
    return out;
  }

  // A message body of 1..5 sentences (about 10..60 words), sometimes a greeting and a
  // sign-off, sometimes a code-ish line (an error code and a version).
  std::string body(bool staff, std::optional<std::string_view> planted) {
    std::string out;
    if (random_.chance(0.4)) out += staff ? "Hello,\n\n" : "Hi team,\n\n";
    auto n = random_.between(1, 5);
    auto plant_at = planted ? random_.below(n) : -1;
    for (std::int64_t i = 0; i < n; ++i) {
      if (i) out += ' ';
      sentence(out);
      if (i == plant_at) out += fmt::format(" It mentions {} again.", *planted);
    }
    if (random_.chance(0.2)) {
      out += fmt::format("\n\n`E{}` in version {}.{}.{}", random_.between(1000, 9999),
                         random_.between(3, 5), random_.between(0, 12), random_.between(0, 9));
    }
    if (random_.chance(0.3)) out += staff ? "\n\nBest regards,\nSupport" : "\n\nThanks!";
    return out;
  }

 private:
  Random& random_;
  const std::vector<std::string_view>& words_;
  ZipfTable zipf_;
};

// Customers per organization: Zipf-like (1/rank), every organization at least one.
std::vector<std::int64_t> organization_sizes(std::int64_t organizations, std::int64_t customers) {
  std::vector<double> weights(static_cast<std::size_t>(organizations));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
  double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::int64_t> sizes(weights.size());
  std::int64_t assigned = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    sizes[i] = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(static_cast<double>(customers) * weights[i] / total));
    assigned += sizes[i];
  }
  // Hand out (or take back) the rounding difference, largest organizations first.
  for (std::size_t i = 0; assigned < customers; i = (i + 1) % sizes.size(), ++assigned) ++sizes[i];
  for (std::size_t i = 0; assigned > customers; i = (i + 1) % sizes.size()) {
    if (sizes[i] > 1) {
      --sizes[i];
      --assigned;
    }
  }
  return sizes;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Customer {
  std::int64_t user_id;
  std::int64_t organization_id;  // 1-based, organizations in rank order
};

// What the generator keeps between phases.
struct Plan {
  std::vector<std::int64_t> org_sizes;
  std::vector<std::int64_t> org_first_customer;  // index into customers
  std::vector<Customer> customers;
  std::vector<std::string> org_names;
  std::vector<std::string> customer_emails;
  std::array<std::vector<std::int64_t>, 5> agents;  // user ids by team code - 1
  std::int64_t admin_id = 1;
};

Result<void> insert_people(Connection& c, const BenchDataOptions& o, Random& random,
                           TextMaker& text, const std::string& hash, Plan& plan,
                           BenchDataReport& report) {
  std::int64_t created = o.now - kYears - 30 * kDay;
  BulkInserter orgs(c, "organizations", {"id", "name", "name_key", "created_at"});
  BulkInserter domains(c, "organization_domains", {"domain", "organization_id"});
  BulkInserter users(c, "users",
                     {"id", "email", "email_key", "name", "role", "organization_id",
                      "is_key_contact", "password_hash", "created_at", "updated_at"});
  BulkInserter teams(c, "user_teams", {"user_id", "team"});

  plan.org_sizes = organization_sizes(o.organizations, o.customers);
  for (std::size_t i = 0; i < plan.org_sizes.size(); ++i) {
    auto id = static_cast<std::int64_t>(i + 1);
    std::string name = fmt::format("{} {} {}", text.word(),
                                   kOrgKinds[static_cast<std::size_t>(random.below(16))], id);
    capitalize(name);
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    orgs.add(id, name, key, created);
    domains.add(fmt::format("org{}.bench.example", id), id);
    plan.org_names.push_back(std::move(name));
  }

  std::int64_t next_id = 1;
  users.add(next_id++, "admin@bench.example", "admin@bench.example", "Bench Admin", "admin",
            nullptr, false, hash, created, created);
  teams.add(plan.admin_id, domain::to_code(domain::Team::kSupport));
  for (auto team : domain::all_teams()) {
    for (int n = 1; n <= kAgentsPerTeam; ++n) {
      std::int64_t id = next_id++;
      std::string email = fmt::format("{}{:02}@agents.bench.example", domain::team_slug(team), n);
      std::string name = fmt::format(
          "{} {} ({})", kFirstNames[static_cast<std::size_t>(random.below(40))],
          kLastNames[static_cast<std::size_t>(random.below(40))], domain::team_name(team));
      users.add(id, email, email, name, "agent", nullptr, false, hash, created, created);
      teams.add(id, domain::to_code(team));
      plan.agents[static_cast<std::size_t>(domain::to_code(team) - 1)].push_back(id);
    }
  }

  for (std::size_t org = 0; org < plan.org_sizes.size(); ++org) {
    plan.org_first_customer.push_back(static_cast<std::int64_t>(plan.customers.size()));
    for (std::int64_t n = 0; n < plan.org_sizes[org]; ++n) {
      std::int64_t id = next_id++;
      auto first = kFirstNames[static_cast<std::size_t>(random.below(40))];
      auto last = kLastNames[static_cast<std::size_t>(random.below(40))];
      std::string email = fmt::format("{}.{}{}@org{}.bench.example", first, last, id, org + 1);
      std::transform(email.begin(), email.end(), email.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      bool key_contact = n < 2;
      std::int64_t joined = created + random.below(kYears / 2);
      users.add(id, email, email, fmt::format("{} {}", first, last), "customer",
                static_cast<std::int64_t>(org + 1), key_contact, hash, joined, joined);
      plan.customers.push_back({id, static_cast<std::int64_t>(org + 1)});
      plan.customer_emails.push_back(std::move(email));
    }
  }
  for (auto* inserter : {&orgs, &domains, &users, &teams}) {
    if (auto r = inserter->flush(); !r) return r;
  }
  report.organizations = orgs.rows();
  report.users = users.rows();
  return {};
}

Result<void> insert_articles(Connection& c, const BenchDataOptions& o, Random& random,
                             TextMaker& text, const Plan& plan, BenchDataReport& report) {
  BulkInserter categories(c, "article_categories",
                          {"id", "slug", "name", "description", "position"});
  BulkInserter articles(c, "articles",
                        {"id", "category_id", "slug", "title", "body", "body_text", "is_published",
                         "visibility", "author_id", "views", "created_at", "updated_at"});
  BulkInserter revisions(c, "article_revisions",
                         {"id", "article_id", "title", "body", "author_id", "created_at"});
  for (std::size_t i = 0; i < kCategoryNames.size(); ++i) {
    std::string slug(kCategoryNames[i]);
    std::transform(slug.begin(), slug.end(), slug.begin(), [](unsigned char ch) {
      return std::isalnum(ch) ? static_cast<char>(std::tolower(ch)) : '-';
    });
    categories.add(static_cast<std::int64_t>(i + 1), slug, kCategoryNames[i],
                   fmt::format("Articles about {}.", kCategoryNames[i]),
                   static_cast<std::int64_t>(i));
  }
  constexpr int kArticles = 150;
  for (int i = 0; i < kArticles; ++i) {
    std::string title = i < static_cast<int>(kArticleTitles.size())
                            ? std::string(kArticleTitles[static_cast<std::size_t>(i)])
                            : text.subject(std::nullopt);
    std::string body;
    auto paragraphs = random.between(3, 8);
    for (std::int64_t p = 0; p < paragraphs; ++p) {
      if (p) body += "\n\n";
      if (p == 0 && i < static_cast<int>(kArticleTitles.size())) {
        body += fmt::format("This article explains: {}. ", title);
      }
      auto sentences = random.between(2, 5);
      for (std::int64_t s = 0; s < sentences; ++s) {
        if (s) body += ' ';
        text.sentence(body);
      }
    }
    std::int64_t updated = o.now - random.below(kYears);
    std::int64_t id = i + 1;
    // The text is plain (no Markdown syntax), so body_text is the body itself.
    articles.add(id, (i % static_cast<int>(kCategoryNames.size())) + 1,
                 fmt::format("article-{}", id), title, body, body, i % 15 != 14,
                 i % 10 == 9 ? "customers" : "everyone", plan.admin_id, random.below(5'000),
                 updated - 30 * kDay, updated);
    revisions.add(id, id, title, body, plan.admin_id, updated);
  }
  for (auto* inserter : {&categories, &articles, &revisions}) {
    if (auto r = inserter->flush(); !r) return r;
  }
  report.articles = articles.rows();
  return {};
}

// Which generated ticket (by 0-based position) plays which part in the benchmark.
enum class Special { kNone, kLong, kRareMessage, kRareSubject, kSample };

struct TicketCounters {
  std::int64_t messages = 0, internal = 0, ccs = 0, attachments = 0, events = 0, open = 0;
};

}  // namespace

const std::vector<std::string_view>& bench_vocabulary() {
  static const std::vector<std::string_view> words = [] {
    static std::vector<std::string> names;
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < kWords.size()) {
      auto end = kWords.find(' ', start);
      if (end == std::string_view::npos) end = kWords.size();
      auto w = kWords.substr(start, end - start);
      if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
      start = end + 1;
    }
    names.reserve(kNamePrefixes.size() * kNameSuffixes.size());
    for (auto suffix : kNameSuffixes) {
      for (auto prefix : kNamePrefixes) names.push_back(fmt::format("{}{}", prefix, suffix));
    }
    for (const auto& n : names) {
      if (std::find(out.begin(), out.end(), std::string_view(n)) == out.end()) out.push_back(n);
    }
    return out;
  }();
  return words;
}

Result<BenchDataReport> generate_bench_data(storage::Database& db,
                                            const BenchDataOptions& options) {
  BenchDataOptions o = options;
  if (o.tickets < 100 || o.customers < 1 || o.organizations < 1 || o.messages_per_ticket < 1) {
    return fail(ErrorCode::kInvalidArgument,
                "bench-data needs at least 100 tickets, 1 customer, 1 organization and 1 message "
                "per ticket");
  }
  o.organizations = std::min(o.organizations, o.customers);
  auto note = [&](std::string_view line) {
    if (o.progress) o.progress(line);
  };

  BenchDataReport report;
  report.password = std::string(kPassword);
  report.rare_message_word = std::string(kRareMessageWord);
  report.rare_subject_word = std::string(kRareSubjectWord);
  report.common_word = std::string(bench_vocabulary().front());
  report.article_query = std::string(kArticleQuery);
  report.agent_team_queue = "team-support";

  // Hash once: argon2id is slow on purpose, and every generated user shares the password.
  auto hash = crypto::hash_password(kPassword);
  if (!hash) return std::unexpected(hash.error());

  auto lease = db.acquire();
  if (!lease) return std::unexpected(lease.error());
  Connection& c = **lease;
  bool sqlite = c.backend() == Backend::kSqlite;

  auto existing = c.query_one(
      "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM tickets) + "
      "(SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM articles) + "
      "(SELECT COUNT(*) FROM article_categories)");
  if (!existing) return std::unexpected(existing.error());
  if (existing->integer(0) != 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "bench-data fills an empty database, and this one already has users, "
                "organizations, tickets or articles; point --database-url at a new database");
  }

  // Loading settings for this connection only. SQLite: no fsync per commit (a crash loses the
  // dataset, which is regenerated anyway), a large page cache, no foreign-key checks (the rows
  // are written parents first). PostgreSQL: foreign-key triggers off when allowed (superuser).
  if (sqlite) {
    if (auto r = c.execute_script("PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; "
                                  "PRAGMA cache_size=-262144;");
        !r) {
      return std::unexpected(r.error());
    }
  } else if (auto r = c.execute_script("SET session_replication_role = replica"); !r) {
    note("(foreign-key checks stay on: SET session_replication_role needs a superuser)");
  }

  auto all_start = std::chrono::steady_clock::now();
  Random random(o.seed);
  TextMaker text(random);
  Plan plan;

  auto phase_start = std::chrono::steady_clock::now();
  if (auto b = c.begin(true); !b) return std::unexpected(b.error());
  if (auto r = insert_people(c, o, random, text, *hash, plan, report); !r) {
    c.rollback();
    return std::unexpected(r.error());
  }
  if (auto r = insert_articles(c, o, random, text, plan, report); !r) {
    c.rollback();
    return std::unexpected(r.error());
  }
  if (auto r = c.commit(); !r) return std::unexpected(r.error());
  report.phases.push_back({"organizations, users, articles", seconds_since(phase_start),
                           report.organizations + report.users + report.articles});
  note(fmt::format("{} organizations, {} users, {} articles in {:.1f} s", report.organizations,
                   report.users, report.articles, report.phases.back().seconds));

  SuspendedSchema suspended;
  if (o.index_mode == BenchIndexMode::kRebuild) {
    auto s = suspend_indexes(c);
    if (!s) return std::unexpected(s.error());
    suspended = std::move(*s);
    note(fmt::format("suspended {} indexes and triggers for the load", suspended.drop.size()));
  }

  // The benchmark's customers: the first three of a large, a medium and a small organization.
  auto org_count = static_cast<std::int64_t>(plan.org_sizes.size());
  std::array<std::pair<std::string_view, std::int64_t>, 3> classes = {{
      {"large", 0},
      {"medium", std::min<std::int64_t>(org_count - 1, 30)},
      {"small", org_count * 3 / 4},
  }};
  std::vector<std::int64_t> bench_customers;  // indexes into plan.customers
  for (auto [size_class, org] : classes) {
    auto first = plan.org_first_customer[static_cast<std::size_t>(org)];
    for (std::int64_t n = 0;
         n < std::min<std::int64_t>(3, plan.org_sizes[static_cast<std::size_t>(org)]); ++n) {
      bench_customers.push_back(first + n);
      BenchLogin login;
      login.role = "customer";
      login.size_class = std::string(size_class);
      login.email = plan.customer_emails[static_cast<std::size_t>(first + n)];
      login.organization = plan.org_names[static_cast<std::size_t>(org)];
      report.logins.push_back(std::move(login));
    }
  }
  std::int64_t star = bench_customers.front();  // the first "large" customer

  // Special tickets, at fixed positions spread over the id range.
  std::vector<Special> special(static_cast<std::size_t>(o.tickets), Special::kNone);
  std::int64_t long_count = std::clamp<std::int64_t>(o.tickets / 50'000, 3, 20);
  for (std::int64_t j = 0; j < long_count; ++j) {
    auto at = (j + 1) * o.tickets / (long_count + 1);
    special[static_cast<std::size_t>(at - 1)] = Special::kLong;
    if (j < 3) {
      special[static_cast<std::size_t>(at - 2)] = Special::kRareMessage;
      special[static_cast<std::size_t>(at - 3)] = Special::kRareSubject;
    }
  }
  special[static_cast<std::size_t>(o.tickets - 5)] = Special::kSample;

  // Creation times: 3 years, growing traffic (density rising linearly to 3x), in id order.
  std::vector<std::int64_t> created(static_cast<std::size_t>(o.tickets));
  for (auto& t : created) {
    double u = random.unit();
    double x = -0.5 + std::sqrt(0.25 + 2.0 * u);  // inverse CDF of the density 0.5 + x
    x = std::clamp(x, 0.0, 1.0);
    t = o.now - kYears + static_cast<std::int64_t>(x * static_cast<double>(kYears - kHour));
  }
  std::sort(created.begin(), created.end());

  BulkInserter tickets(c, "tickets",
                       {"id", "type", "subject", "status", "requester_id", "organization_id",
                        "assignee_id", "created_at", "last_activity_at", "status_changed_at",
                        "customer_activity_at", "closed_at", "resolution", "fix_version"});
  BulkInserter messages(c, "messages",
                        {"id", "ticket_id", "author_id", "body", "is_internal", "created_at"});
  BulkInserter events(
      c, "ticket_events",
      {"id", "ticket_id", "actor_id", "kind", "from_status", "to_status", "reason", "created_at"});
  BulkInserter ccs(c, "ticket_ccs", {"ticket_id", "user_id", "added_at"});
  BulkInserter attachments(c, "attachments",
                           {"id", "ticket_id", "message_id", "uploaded_by", "filename",
                            "content_type", "size", "sha256", "content", "created_at"});

  std::vector<std::int64_t> org_tickets(plan.org_sizes.size() + 1, 0);
  std::vector<std::int64_t> own_tickets(bench_customers.size(), 0);
  TicketCounters counted;
  std::int64_t message_id = 1, event_id = 1, attachment_id = 1;
  std::vector<std::int64_t> times;
  std::vector<std::int64_t> cc_users;
  double geometric_p = 1.0 / o.messages_per_ticket;  // 1 + Geometric(p) has mean 1/p

  phase_start = std::chrono::steady_clock::now();
  auto last_note = phase_start;
  if (auto b = c.begin(true); !b) return std::unexpected(b.error());
  auto abort = [&](const Error& e) {
    c.rollback();
    return std::unexpected(e);
  };

  for (std::int64_t i = 0; i < o.tickets; ++i) {
    std::int64_t id = i + 1;
    Special role = special[static_cast<std::size_t>(i)];
    std::int64_t customer_index =
        role == Special::kNone ? random.below(static_cast<std::int64_t>(plan.customers.size()))
                               : star;
    const Customer& requester = plan.customers[static_cast<std::size_t>(customer_index)];
    std::int64_t c_at = created[static_cast<std::size_t>(i)];
    std::int64_t age = o.now - c_at;

    double p_open = age < 14 * kDay ? 0.7 : age < 60 * kDay ? 0.4 : age < 180 * kDay ? 0.12 : 0.015;
    auto status = domain::Status::kClosed;
    if (random.chance(p_open)) {
      status = static_cast<domain::Status>(random.weighted(kOpenStatusWeights) + 1);
    }
    // The benchmark replies to the sample ticket: keep it open and on support's side, so a
    // reply neither reopens it nor starts a follow-up.
    if (role == Special::kSample) status = domain::Status::kSupportTeamInvestigating;
    bool waiting = domain::is_waiting_on_customer(status);
    bool closed = status == domain::Status::kClosed;
    auto type = static_cast<int>(random.weighted(std::array<int, 3>{60, 30, 10}) + 1);

    // Thread length: 1 + Geometric, capped; the long tickets have exactly 50.
    int count = 1;
    if (role == Special::kLong) {
      count = kLongTicketMessages;
    } else {
      while (count < kMaxMessagesPerTicket && !random.chance(geometric_p)) ++count;
    }
    if (status == domain::Status::kSupportTeamNotified && role != Special::kLong) {
      count = std::min(count, 2);
    }

    // When the thread ends: closed tickets after hours to weeks; open ones recently (waiting
    // ones within two days, before any reminder is due).
    std::int64_t end;
    if (closed) {
      auto span = static_cast<std::int64_t>(-std::log(1.0 - random.unit()) * 6.0 * kDay) + kHour;
      end = std::min(c_at + span, o.now - kHour);
    } else {
      std::int64_t window = std::min(age, (waiting ? 2 : 20) * kDay);
      end = o.now - random.below(std::max<std::int64_t>(window, 1));
    }
    end = std::max(end, c_at + 60);

    // The team working on it and its agent; waiting and closed tickets sit with support.
    auto owner = domain::facts(status).owner.value_or(domain::Team::kSupport);
    const auto& team_agents = plan.agents[static_cast<std::size_t>(domain::to_code(owner) - 1)];
    std::optional<std::int64_t> assignee;
    if (status != domain::Status::kSupportTeamNotified && !(closed && random.chance(0.05))) {
      assignee = team_agents[static_cast<std::size_t>(random.below(kAgentsPerTeam))];
    }
    std::int64_t agent =
        assignee.value_or(plan.agents[0][static_cast<std::size_t>(random.below(kAgentsPerTeam))]);

    // CCs: colleagues of the same organization on one ticket in ten.
    cc_users.clear();
    auto org_index = static_cast<std::size_t>(requester.organization_id - 1);
    std::int64_t org_size = plan.org_sizes[org_index];
    if (org_size > 1 && random.chance(0.1)) {
      auto wanted = random.between(1, std::min<std::int64_t>(2, org_size - 1));
      for (std::int64_t k = 0;
           k < wanted * 3 && static_cast<std::int64_t>(cc_users.size()) < wanted; ++k) {
        const auto& colleague = plan.customers[static_cast<std::size_t>(
            plan.org_first_customer[org_index] + random.below(org_size))];
        if (colleague.user_id == requester.user_id ||
            std::find(cc_users.begin(), cc_users.end(), colleague.user_id) != cc_users.end()) {
          continue;
        }
        cc_users.push_back(colleague.user_id);
      }
    }

    // Message times: the description at creation, the rest spread until the end.
    times.assign(static_cast<std::size_t>(count), c_at);
    for (int m = 1; m < count; ++m)
      times[static_cast<std::size_t>(m)] = c_at + random.below(end - c_at + 1);
    std::sort(times.begin() + 1, times.end());
    if (count > 1) times.back() = end;

    std::int64_t customer_activity = c_at;
    bool last_public_by_customer = true;
    for (int m = 0; m < count; ++m) {
      std::int64_t at = times[static_cast<std::size_t>(m)];
      bool last = m + 1 == count;
      bool internal =
          m > 0 && !last && status != domain::Status::kSupportTeamNotified && random.chance(0.08);
      bool by_staff;
      if (m == 0 || status == domain::Status::kSupportTeamNotified) {
        by_staff = false;
      } else if (internal) {
        by_staff = true;
      } else if (last && waiting) {
        by_staff = true;  // the request to the customer
      } else {
        by_staff = last_public_by_customer ? !random.chance(0.2) : random.chance(0.2);
      }
      std::int64_t author = requester.user_id;
      if (by_staff) {
        author = internal && random.chance(0.3)
                     ? plan.agents[2][static_cast<std::size_t>(random.below(kAgentsPerTeam))]
                     : agent;
      } else if (m > 0 && !cc_users.empty() && random.chance(0.2)) {
        author = cc_users[static_cast<std::size_t>(
            random.below(static_cast<std::int64_t>(cc_users.size())))];
      }
      std::optional<std::string_view> planted;
      if (m == 0 && role == Special::kRareMessage) planted = kRareMessageWord;
      std::string body = text.body(by_staff, planted);
      messages.add(message_id, id, author, std::move(body), internal, at);
      if (internal) {
        ++counted.internal;
      } else {
        last_public_by_customer = !by_staff;
        if (!by_staff) customer_activity = at;
      }
      // A few small attachments: on one ticket description in 500.
      if (m == 0 && id % 500 == 0) {
        std::string content = fmt::format("log excerpt for ticket {}\n", id);
        for (int line = 0; line < 8; ++line) {
          content += fmt::format("{} {} {}\n", at + line, text.word(), text.word());
        }
        auto size = static_cast<std::int64_t>(content.size());
        std::string sha = crypto::sha256_hex(content);
        attachments.add(attachment_id++, id, message_id, author, fmt::format("log-{}.txt", id),
                        "text/plain", size, sha, storage::Blob{std::move(content)}, at);
      }
      ++message_id;
    }
    counted.messages += count;

    std::int64_t status_changed = status == domain::Status::kSupportTeamNotified ? c_at : end;
    if (waiting) customer_activity = end;
    std::optional<std::string> resolution;
    std::optional<std::int64_t> closed_at;
    if (closed) {
      std::array<int, kResolutions.size()> weights{};
      for (std::size_t k = 0; k < kResolutions.size(); ++k) weights[k] = kResolutions[k].second;
      resolution =
          std::string(domain::resolution_slug(kResolutions[random.weighted(weights)].first));
      closed_at = end;
    } else {
      ++counted.open;
    }
    std::optional<std::string> fix_version;
    if (type == 1 && (domain::to_code(status) >= 12 || (closed && random.chance(0.3)))) {
      fix_version = fmt::format("{}.{}.{}", random.between(3, 5), random.between(0, 12),
                                random.between(0, 9));
    }
    std::optional<std::string_view> planted_subject;
    if (role == Special::kRareSubject) planted_subject = kRareSubjectWord;
    tickets.add(id, type, text.subject(planted_subject), domain::to_code(status), requester.user_id,
                requester.organization_id, assignee, c_at, end, status_changed, customer_activity,
                closed_at, resolution, fix_version);
    for (auto cc : cc_users) {
      ccs.add(id, cc, c_at);
    }
    counted.ccs += static_cast<std::int64_t>(cc_users.size());

    // The status timeline: created, then one change to the current status.
    events.add(event_id++, id, requester.user_id, "created", nullptr,
               domain::to_code(domain::Status::kSupportTeamNotified), nullptr, c_at);
    ++counted.events;
    if (status != domain::Status::kSupportTeamNotified) {
      std::optional<std::int64_t> actor = agent;
      if (closed && resolution == domain::resolution_slug(domain::Resolution::kNoResponse)) {
        actor.reset();
      }
      events.add(event_id++, id, actor, "status_changed",
                 domain::to_code(domain::Status::kSupportTeamNotified), domain::to_code(status),
                 nullptr, end);
      ++counted.events;
    }

    ++org_tickets[static_cast<std::size_t>(requester.organization_id)];
    for (std::size_t b = 0; b < bench_customers.size(); ++b) {
      if (bench_customers[b] == customer_index) ++own_tickets[b];
    }
    switch (role) {
      case Special::kLong: report.long_tickets.push_back(id); break;
      case Special::kRareMessage: report.rare_message_tickets.push_back(id); break;
      case Special::kRareSubject: report.rare_subject_tickets.push_back(id); break;
      case Special::kSample: report.sample_ticket = id; break;
      case Special::kNone: break;
    }

    if ((i + 1) % kTicketsPerTransaction == 0 || i + 1 == o.tickets) {
      for (auto* inserter : {&tickets, &messages, &events, &ccs, &attachments}) {
        if (auto r = inserter->flush(); !r) return abort(r.error());
      }
      if (auto r = c.commit(); !r) return std::unexpected(r.error());
      if (i + 1 < o.tickets) {
        if (auto b = c.begin(true); !b) return std::unexpected(b.error());
      }
      if (seconds_since(last_note) >= 10 || i + 1 == o.tickets) {
        last_note = std::chrono::steady_clock::now();
        double s = seconds_since(phase_start);
        std::int64_t rows =
            tickets.rows() + messages.rows() + events.rows() + ccs.rows() + attachments.rows();
        note(
            fmt::format("{:>9} tickets, {:>10} messages, {:>11} rows in {:>6.1f} s "
                        "({:.0f} rows/s)",
                        i + 1, messages.rows(), rows, s, static_cast<double>(rows) / s));
      }
    }
  }
  std::int64_t ticket_rows =
      tickets.rows() + messages.rows() + events.rows() + ccs.rows() + attachments.rows();
  report.phases.push_back(
      {"tickets, messages, events, CCs, attachments", seconds_since(phase_start), ticket_rows});

  if (o.index_mode == BenchIndexMode::kRebuild) {
    phase_start = std::chrono::steady_clock::now();
    note("building indexes and full-text search:");
    // One statement at a time, each its own transaction (a smaller SQLite WAL).
    if (auto r = restore_indexes(c, suspended, note); !r) return std::unexpected(r.error());
    report.phases.push_back({"indexes and full-text search", seconds_since(phase_start), 0});
  }

  // ticket_counts and ticket_status_counts (migrations 0005, 0006): their triggers were suspended
  // (SQLite) or skipped (the PostgreSQL replica role) during the load, so count once.
  if (auto r = c.execute_script(
          "DELETE FROM ticket_counts; INSERT INTO ticket_counts (organization_id, status, n) "
          "SELECT organization_id, status, COUNT(*) FROM tickets GROUP BY organization_id, status; "
          "DELETE FROM ticket_status_counts; INSERT INTO ticket_status_counts (status, n) "
          "SELECT status, COUNT(*) FROM tickets GROUP BY status");
      !r) {
    return std::unexpected(r.error());
  }

  phase_start = std::chrono::steady_clock::now();
  if (sqlite) {
    // Back to the connection's normal settings; fold the WAL into the database file.
    if (auto r = c.execute_script("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
                                  "PRAGMA wal_checkpoint(TRUNCATE);");
        !r) {
      return std::unexpected(r.error());
    }
  } else {
    // Explicit ids were inserted: move every identity sequence past them. Then refresh the
    // planner's statistics and visibility map, as autovacuum would after a bulk load.
    for (std::string_view table :
         {"organizations", "users", "tickets", "messages", "attachments", "ticket_events",
          "article_categories", "articles", "article_revisions"}) {
      auto r =
          c.query(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), "
                              "(SELECT COALESCE(MAX(id), 0) + 1 FROM {0}), false)",
                              table));
      if (!r) return std::unexpected(r.error());
    }
    if (auto r = c.execute_script("RESET session_replication_role"); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = c.execute_script("VACUUM (ANALYZE)"); !r) return std::unexpected(r.error());
  }
  report.phases.push_back(
      {sqlite ? "WAL checkpoint" : "sequences, VACUUM (ANALYZE)", seconds_since(phase_start), 0});

  report.tickets = tickets.rows();
  report.messages = messages.rows();
  report.internal_notes = counted.internal;
  report.ccs = ccs.rows();
  report.attachments = attachments.rows();
  report.events = events.rows();
  report.open_tickets = counted.open;
  for (std::size_t b = 0; b < bench_customers.size(); ++b) {
    const auto& customer = plan.customers[static_cast<std::size_t>(bench_customers[b])];
    report.logins[b].own_tickets = own_tickets[b];
    report.logins[b].organization_tickets =
        org_tickets[static_cast<std::size_t>(customer.organization_id)];
  }
  for (auto team : domain::all_teams()) {
    report.logins.push_back(
        {"agent", "", fmt::format("{}01@agents.bench.example", domain::team_slug(team)), "", 0, 0});
  }
  report.logins.push_back({"admin", "", "admin@bench.example", "", 0, 0});
  report.seconds = seconds_since(all_start);
  return report;
}

}  // namespace portico::app
