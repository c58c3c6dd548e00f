#include "portico/cli/bench_command.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "portico/app/bench_data.hpp"
#include "portico/core/log.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::cli {

namespace {

constexpr int kUsageError = 2;
constexpr std::string_view kDefaultLoginsFile = "var/bench-logins.txt";

void print_error(std::string_view message) { std::cerr << "portico: " << message << "\n"; }

// A whole number in [min, max] from --name, the default when absent, or nullopt (reported).
std::optional<std::int64_t> int_flag(const Flags& flags, const std::string& name,
                                     std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto text = flags.get(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < min ||
      value > max) {
    print_error(
        fmt::format("--{} must be a whole number from {} to {}, not '{}'", name, min, max, *text));
    return std::nullopt;
  }
  return value;
}

std::string join(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += fmt::format("{}{}", out.empty() ? "" : ",", id);
  return out;
}

Result<void> write_logins(const std::filesystem::path& path, const app::BenchDataReport& r,
                          const app::BenchDataOptions& o, std::string_view backend) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path);
  if (!out) {
    return fail(ErrorCode::kUnavailable, fmt::format("cannot write {}", path.string()));
  }
  out << "# Written by `portico bench-data`; read by bench/run.sh. key=value, one a line.\n";
  out << fmt::format(
      "backend={}\ntickets={}\nmessages={}\ncustomers={}\norganizations={}\n"
      "seed={}\nnow={}\n",
      backend, r.tickets, r.messages, o.customers, r.organizations, o.seed, o.now);
  out << fmt::format("password={}\n", r.password);
  std::map<std::string, int> numbering;
  for (const auto& login : r.logins) {
    if (login.role == "customer") {
      int n = ++numbering[login.size_class];
      out << fmt::format("# {} organization \"{}\": {} tickets; this customer requested {}\n",
                         login.size_class, login.organization, login.organization_tickets,
                         login.own_tickets);
      out << fmt::format("customer_{}_{}={}\n", login.size_class, n, login.email);
    } else if (login.role == "agent") {
      int n = ++numbering["agent"];
      out << fmt::format("agent_{}={}\n", n, login.email);
    } else {
      out << fmt::format("{}={}\n", login.role, login.email);
    }
  }
  out << fmt::format("# Tickets of customer_large_1 (the ticket page, search by ID and words).\n");
  out << fmt::format("long_tickets={}\n", join(r.long_tickets));
  out << fmt::format("sample_ticket={}\n", r.sample_ticket);
  out << fmt::format("rare_message_word={}\nrare_message_tickets={}\n", r.rare_message_word,
                     join(r.rare_message_tickets));
  out << fmt::format("rare_subject_word={}\nrare_subject_tickets={}\n", r.rare_subject_word,
                     join(r.rare_subject_tickets));
  out << fmt::format("common_word={}\n", r.common_word);
  out << fmt::format("agent_queue={}\narticle_query={}\n", r.agent_team_queue, r.article_query);
  if (!out.flush()) {
    return fail(ErrorCode::kUnavailable, fmt::format("cannot write {}", path.string()));
  }
  return {};
}

}  // namespace

std::vector<std::string> bench_data_flags() {
  auto flags = config_flag_names();
  for (const char* f : {"tickets", "messages-per-ticket", "customers", "organizations", "seed",
                        "now", "index-mode", "logins-file"}) {
    flags.emplace_back(f);
  }
  return flags;
}

std::string_view bench_data_details() {
  return R"(
  --tickets N               tickets (default 1,000,000; at least 100)
  --messages-per-ticket M   average thread length, the description included (default 5)
  --customers N             customers (default: tickets / 20, so 50,000 for 1,000,000)
  --organizations N         organizations, sizes skewed 1/rank (default: customers / 25)
  --seed S                  random seed (default 1): the same seed and sizes give the same data
  --now T                   Unix time the dataset ends at (default: now); tickets span the 3
                            years before it, open ones are recent
  --index-mode MODE         rebuild (default): drop the ticket tables' secondary indexes and
                            full-text triggers, load, then build them; incremental: keep them
                            and pay per row, as live traffic does
  --logins-file PATH        where to write the benchmark's logins (default var/bench-logins.txt;
                            '-' for none)
The database must be new (migrated or empty). Every generated user's password is printed.
)";
}

int run_bench_data(const Flags& flags) {
  auto tickets = int_flag(flags, "tickets", 1'000'000, 100, 100'000'000);
  if (!tickets) return kUsageError;
  auto customers =
      int_flag(flags, "customers", std::max<std::int64_t>(10, *tickets / 20), 1, 10'000'000);
  if (!customers) return kUsageError;
  auto organizations =
      int_flag(flags, "organizations", std::max<std::int64_t>(2, *customers / 25), 1, 1'000'000);
  if (!organizations) return kUsageError;
  auto seed = int_flag(flags, "seed", 1, 0, std::numeric_limits<std::int64_t>::max());
  if (!seed) return kUsageError;
  auto wall_now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  auto now = int_flag(flags, "now", wall_now, 200'000'000, 10'000'000'000);
  if (!now) return kUsageError;
  double per_ticket = 5.0;
  if (auto text = flags.get("messages-per-ticket")) {
    double value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || value < 1 ||
        value > 40) {
      print_error(
          fmt::format("--messages-per-ticket must be a number from 1 to 40, not '{}'", *text));
      return kUsageError;
    }
    per_ticket = value;
  }
  auto mode = app::BenchIndexMode::kRebuild;
  if (auto text = flags.get("index-mode")) {
    if (*text == "incremental") {
      mode = app::BenchIndexMode::kIncremental;
    } else if (*text != "rebuild") {
      print_error(fmt::format("--index-mode must be rebuild or incremental, not '{}'", *text));
      return kUsageError;
    }
  }
  std::string logins_file = flags.get("logins-file").value_or(std::string(kDefaultLoginsFile));

  auto config = load_config(flags);
  if (!config) {
    print_error(config.error().message);
    return kUsageError;
  }
  init_logging(config->log_level);
  storage::DatabaseOptions db_options;
  db_options.url = config->database_url;
  db_options.pool_size = 2;
  auto db = storage::open_database(db_options);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  auto migrated = storage::migrate(**db, config->data_dir / "migrations");
  if (!migrated) {
    print_error(migrated.error().message);
    return 1;
  }

  app::BenchDataOptions options;
  options.tickets = *tickets;
  options.messages_per_ticket = per_ticket;
  options.customers = *customers;
  options.organizations = *organizations;
  options.seed = static_cast<std::uint64_t>(*seed);
  options.now = *now;
  options.index_mode = mode;
  options.progress = [](std::string_view line) { std::cout << line << std::endl; };
  bool sqlite = (*db)->backend() == storage::Backend::kSqlite;
  std::cout << fmt::format(
      "Generating {} tickets (~{:g} messages each), {} customers in {} organizations, seed {}, "
      "into {} ({} indexes)\n",
      options.tickets, options.messages_per_ticket, options.customers,
      std::min(options.organizations, options.customers), options.seed,
      sqlite ? config->database_url : "PostgreSQL",
      mode == app::BenchIndexMode::kRebuild ? "rebuilt" : "incremental");
  auto report = app::generate_bench_data(**db, options);
  if (!report) {
    print_error(report.error().message);
    return 1;
  }
  const auto& r = *report;
  std::cout << fmt::format(
      "\nWrote {} organizations, {} users, {} tickets ({} open), {} messages ({} internal "
      "notes), {} CCs, {} attachments, {} status events, {} articles.\n",
      r.organizations, r.users, r.tickets, r.open_tickets, r.messages, r.internal_notes, r.ccs,
      r.attachments, r.events, r.articles);
  std::int64_t all_rows = 0;
  for (const auto& phase : r.phases) {
    all_rows += phase.rows;
    if (phase.rows > 0) {
      std::cout << fmt::format("  {:<46} {:>8.1f} s  {:>11} rows  {:>9.0f} rows/s\n", phase.name,
                               phase.seconds, phase.rows,
                               static_cast<double>(phase.rows) / std::max(phase.seconds, 1e-9));
    } else {
      std::cout << fmt::format("  {:<46} {:>8.1f} s\n", phase.name, phase.seconds);
    }
  }
  std::cout << fmt::format("  {:<46} {:>8.1f} s  {:>11} rows  {:>9.0f} rows/s overall\n", "total",
                           r.seconds, all_rows,
                           static_cast<double>(all_rows) / std::max(r.seconds, 1e-9));
  std::cout << fmt::format("\nEvery generated user's password: {}\n", r.password);
  for (const auto& login : r.logins) {
    if (login.role == "customer") {
      std::cout << fmt::format("  customer ({:<6}) {:<44} {} ({} tickets; {} own)\n",
                               login.size_class, login.email, login.organization,
                               login.organization_tickets, login.own_tickets);
    } else {
      std::cout << fmt::format("  {:<17} {}\n", login.role, login.email);
    }
  }
  std::cout << fmt::format("Tickets with {} messages: #{}\n", 50,
                           join(r.long_tickets).empty() ? "-" : join(r.long_tickets));
  if (logins_file != "-") {
    if (auto written = write_logins(logins_file, r, options, sqlite ? "sqlite" : "postgresql");
        !written) {
      print_error(written.error().message);
      return 1;
    }
    std::cout << fmt::format("Benchmark logins and search words written to {}\n", logins_file);
  }
  return 0;
}

}  // namespace portico::cli
