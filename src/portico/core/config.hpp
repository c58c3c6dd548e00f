#pragma once
// Configuration shared by every subcommand: flags override environment variables, which override
// defaults. The names are the same everywhere: --database-url ⇔ PORTICO_DATABASE_URL, etc.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/result.hpp"

namespace portico {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string database_url = "sqlite:var/portico.db";
  std::string base_url;             // for links in mail; defaults to http://localhost:<port>
  bool base_url_is_default = true;  // then serve rewrites it with the port actually bound
  std::string smtp_url;             // empty: mail stays in the outbox
  std::string mail_from = "support@portico.example";  // From: and SMTP envelope sender
  std::string mail_from_name = "Portico Support";
  std::filesystem::path data_dir;
  std::string log_level = "info";
  std::size_t max_body_bytes = 26 * 1024 * 1024;
  int workers = 0;  // threads serving requests; 0: one per core, at least 2
  std::optional<std::filesystem::path> port_file;
  int header_timeout_ms = 10'000;
  int idle_timeout_ms = 60'000;
  // serve: a database statement running longer than this is stopped (the request gets a 503).
  int statement_timeout_ms = 10'000;
};

// Parsed command-line flags of one subcommand: --name value, --name=value, or --name for
// booleans. Positional arguments are kept in order.
class Flags {
 public:
  // `known` lists the flags this subcommand accepts (without dashes); booleans take no value.
  static Result<Flags> parse(const std::vector<std::string>& args,
                             const std::vector<std::string>& known_values,
                             const std::vector<std::string>& known_booleans);

  std::optional<std::string> get(const std::string& name) const;
  bool has(const std::string& name) const { return values_.contains(name); }
  std::vector<std::string> get_all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// The flags every data-touching subcommand accepts (see Config).
const std::vector<std::string>& config_flag_names();

// Builds the configuration from the environment, then the flags. Errors name the bad value.
Result<Config> load_config(const Flags& flags);

// Finds the data folder (templates, static files, migrations): --data-dir / PORTICO_DATA_DIR, or
// next to the binary (build tree or installed layout).
Result<std::filesystem::path> find_data_dir(const std::optional<std::string>& configured);

// The folder holding the running binary.
std::filesystem::path executable_dir();

}  // namespace portico
