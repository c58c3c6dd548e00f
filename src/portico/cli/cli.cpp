#include "portico/cli/cli.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "portico/app/demo.hpp"
#include "portico/core/config.hpp"
#include "portico/core/log.hpp"
#include "portico/http/server.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"
#include "portico/web/app.hpp"
#include "portico/web/static_files.hpp"
#include "portico/web/templates.hpp"

namespace portico::cli {

namespace {

constexpr int kUsageError = 2;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::string_view kConfigHelp = R"(
Configuration (flag, or environment variable):
  --listen HOST:PORT     PORTICO_LISTEN        where to listen (default 127.0.0.1:8080)
  --database-url URL     PORTICO_DATABASE_URL  sqlite:PATH (default sqlite:var/portico.db)
                                               or postgresql://user@host:port/db
  --base-url URL         PORTICO_BASE_URL      public address, for links in e-mail
  --smtp-url URL         PORTICO_SMTP_URL      e.g. smtp://127.0.0.1:2525 (unset: mail stays
                                               in the outbox)
  --data-dir DIR         PORTICO_DATA_DIR      templates, static files, migrations
                                               (default: found next to the binary)
  --log-level LEVEL      PORTICO_LOG_LEVEL     trace, debug, info, warn, error, off
)";

struct Command {
  std::string summary;
  std::string usage;
  std::vector<std::string> value_flags;
  std::vector<std::string> bool_flags;
  std::function<int(const Flags&)> run;
};

void print_error(std::string_view message) { std::cerr << "portico: " << message << "\n"; }

Result<std::unique_ptr<storage::Database>> open_and_migrate(const Config& config,
                                                            bool print_progress) {
  storage::DatabaseOptions options;
  options.url = config.database_url;
  auto db = storage::open_database(options);
  if (!db) return db;
  auto report = storage::migrate(**db, config.data_dir / "migrations");
  if (!report) return std::unexpected(report.error());
  if (print_progress) {
    for (const auto& name : report->applied) std::cout << "applied migration " << name << "\n";
    std::cout << fmt::format("database schema is at version {}\n", report->to_version);
  }
  return db;
}

int cmd_version(const Flags&) {
  std::cout << "portico " << PORTICO_VERSION << "\n";
  return 0;
}

int cmd_migrate(const Flags& flags) {
  auto config = load_config(flags);
  if (!config) {
    print_error(config.error().message);
    return kUsageError;
  }
  init_logging(config->log_level);
  auto db = open_and_migrate(*config, true);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  return 0;
}

int cmd_demo(const Flags& flags) {
  auto config = load_config(flags);
  if (!config) {
    print_error(config.error().message);
    return kUsageError;
  }
  init_logging(config->log_level);
  auto db = open_and_migrate(*config, false);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  auto report = app::load_demo(**db, unix_now());
  if (!report) {
    print_error(report.error().message);
    return 1;
  }
  std::cout << (report->loaded_now ? "Demo data loaded.\n" : "Demo data was already loaded.\n");
  std::cout << fmt::format("Demo logins (password for all: {}):\n", report->password);
  for (const auto& login : report->logins) {
    std::cout << fmt::format("  {:<9} {:<24} {}\n", login.role, login.email, login.name);
  }
  return 0;
}

int cmd_serve(const Flags& flags) {
  auto config = load_config(flags);
  if (!config) {
    print_error(config.error().message);
    return kUsageError;
  }
  init_logging(config->log_level);
  auto db = open_and_migrate(*config, false);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  auto templates = web::Templates::load(config->data_dir / "templates");
  if (!templates) {
    print_error(templates.error().message);
    return 1;
  }
  auto assets = web::StaticFiles::load({
      {"", config->data_dir / "static"},
      {"vendor/", executable_dir() / "vendor"},
  });
  if (!assets) {
    print_error(assets.error().message);
    return 1;
  }
  web::App app(web::Services{*config, **db, **templates, **assets});

  http::ServerOptions options;
  options.host = config->listen_host;
  options.port = config->listen_port;
  options.max_body_bytes = config->max_body_bytes;
  options.worker_threads =
      config->workers > 0 ? config->workers
                          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options.header_timeout = std::chrono::milliseconds(config->header_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(config->idle_timeout_ms);
  http::Server server(
      options, [&app](http::Request& request) { return app.handle(request); },
      [&app](int status, const http::Request* request) {
        return app.error_page(status, request);
      });
  if (auto listening = server.listen(); !listening) {
    print_error(listening.error().message);
    return 1;
  }
  if (config->port_file) {
    std::ofstream out(*config->port_file);
    out << server.port() << "\n";
  }
  spdlog::info("Portico {} serving http://{}:{}/ (database {}, data {})", PORTICO_VERSION,
               config->listen_host, server.port(),
               config->database_url.starts_with("sqlite:") ? config->database_url : "postgresql",
               config->data_dir.string());
  server.run();
  spdlog::info("stopped");
  return 0;
}

std::map<std::string, Command> commands() {
  auto config_flags = config_flag_names();
  auto serve_flags = config_flags;
  for (const char* f : {"workers", "max-body-mib", "port-file", "header-timeout-ms",
                        "idle-timeout-ms"}) {
    serve_flags.emplace_back(f);
  }
  return {
      {"serve",
       {"start the web server", "portico serve [flags]", serve_flags, {}, cmd_serve}},
      {"migrate",
       {"create or upgrade the database schema", "portico migrate [flags]", config_flags, {},
        cmd_migrate}},
      {"demo",
       {"load demo data (organizations, people, tickets, articles) once, print the demo logins",
        "portico demo [flags]", config_flags, {}, cmd_demo}},
      {"version", {"print the version", "portico version", {}, {}, cmd_version}},
  };
}

void print_help(const std::map<std::string, Command>& all) {
  std::cout << "Portico — help center, customer ticket portal and support desk.\n\n"
               "Usage: portico COMMAND [flags]\n\nCommands:\n";
  for (const auto& [name, command] : all) {
    std::cout << fmt::format("  {:<9} {}\n", name, command.summary);
  }
  std::cout << "\nRun `portico COMMAND --help` for a command's flags.\n";
}

}  // namespace

int run(int argc, char** argv) {
  auto all = commands();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(all);
    return args.empty() ? kUsageError : 0;
  }
  if (args[0] == "--version") return cmd_version(Flags{});
  auto it = all.find(args[0]);
  if (it == all.end()) {
    print_error(fmt::format("unknown command '{}' (see portico --help)", args[0]));
    return kUsageError;
  }
  const Command& command = it->second;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const auto& arg : rest) {
    if (arg == "--help" || arg == "-h") {
      std::cout << "Usage: " << command.usage << "\n\n" << command.summary << ".\n";
      if (!command.value_flags.empty()) std::cout << kConfigHelp;
      return 0;
    }
  }
  auto flags = Flags::parse(rest, command.value_flags, command.bool_flags);
  if (!flags) {
    print_error(flags.error().message);
    return kUsageError;
  }
  if (!flags->positional().empty()) {
    print_error(fmt::format("unexpected argument '{}' (see portico {} --help)",
                            flags->positional().front(), args[0]));
    return kUsageError;
  }
  return command.run(*flags);
}

}  // namespace portico::cli
