#pragma once
// A large, realistic, repeatable dataset for benchmarks (`portico bench-data`, bench/run.sh):
// organizations of Zipf-skewed sizes, their customers, agents in every team, tickets over three
// years with statuses spread like a real desk (most closed), threads with public replies and
// internal notes, CCs, a few small attachments, and Help Center articles. Text is drawn from a
// vocabulary of a few thousand support and product words with Zipf frequencies, so that search
// meets both very common and very rare words; a few known rare words are planted for the
// benchmark's searches.
//
// The same options (seed, sizes, `now`) produce the same rows. Rows are written with explicit ids
// in large transactions of multi-row INSERTs; the secondary indexes, full-text triggers and
// foreign-key checks of the ticket tables are suspended during the load and rebuilt at the end
// (IndexMode::kRebuild), or kept and maintained row by row (IndexMode::kIncremental).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/result.hpp"

namespace portico::storage {
class Database;
}

namespace portico::app {

// How indexes are maintained while loading.
enum class BenchIndexMode {
  kRebuild,      // drop secondary indexes and full-text triggers, load, then build them once
  kIncremental,  // keep them; every inserted row updates them (what live traffic costs)
};

struct BenchDataOptions {
  std::int64_t tickets = 1'000'000;
  double messages_per_ticket = 5.0;  // average, at least 1 (the description)
  std::int64_t customers = 50'000;
  std::int64_t organizations = 2'000;
  std::uint64_t seed = 1;
  std::int64_t now = 0;  // Unix seconds the dataset ends at (tickets are from the 3 years before)
  BenchIndexMode index_mode = BenchIndexMode::kRebuild;
  // Called with a line of progress now and then (phase, rows so far); may be empty.
  std::function<void(std::string_view)> progress;
};

// A login the benchmark uses, with what it is good for.
struct BenchLogin {
  std::string role;        // "customer", "agent", "admin"
  std::string size_class;  // customers: "large", "medium", "small" (their organization's size)
  std::string email;
  std::string organization;               // customers: their organization's name
  std::int64_t organization_tickets = 0;  // customers: tickets of their organization
  std::int64_t own_tickets = 0;           // customers: tickets they requested
};

struct BenchPhase {
  std::string name;
  double seconds = 0;
  std::int64_t rows = 0;
};

struct BenchDataReport {
  std::string password;  // every generated user's password
  std::vector<BenchLogin> logins;
  // Tickets with ~50 messages, requested by the first "large" customer (the ticket-page test).
  std::vector<std::int64_t> long_tickets;
  // Words planted for search: in a few message bodies (of the first "large" customer's tickets)
  // and in a few subjects; and a word that is in a large share of all messages.
  std::string rare_message_word;
  std::string rare_subject_word;
  std::string common_word;
  std::vector<std::int64_t> rare_message_tickets;
  std::vector<std::int64_t> rare_subject_tickets;
  // An open ticket (Support Team (Investigating)) of the first "large" customer: searched by ID
  // and replied to by the benchmark (a reply there neither reopens it nor starts a follow-up).
  std::int64_t sample_ticket = 0;
  std::string agent_team_queue;  // a desk queue slug with work in it, e.g. "team-support"
  std::string article_query;     // words that find Help Center articles

  std::int64_t organizations = 0, users = 0, tickets = 0, messages = 0, internal_notes = 0, ccs = 0,
               attachments = 0, events = 0, articles = 0;
  std::int64_t open_tickets = 0;
  std::vector<BenchPhase> phases;
  double seconds = 0;  // everything, from the first row to the last index
};

// Fills an empty database (migrated to the current schema) with the dataset. Refuses, with
// kFailedPrecondition, a database that already has users or tickets. Sizes must be positive
// (kInvalidArgument otherwise); organizations are capped at the number of customers.
[[nodiscard]] Result<BenchDataReport> generate_bench_data(storage::Database& db,
                                                          const BenchDataOptions& options);

// The vocabulary the text is drawn from, most frequent first (exposed for tests and the bench).
const std::vector<std::string_view>& bench_vocabulary();

}  // namespace portico::app
