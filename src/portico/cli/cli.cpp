#include "portico/cli/cli.hpp"

#include <charconv>
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

#include "portico/app/accounts.hpp"
#include "portico/app/demo.hpp"
#include "portico/app/directory.hpp"
#include "portico/app/search_maintenance.hpp"
#include "portico/app/workflow.hpp"
#include "portico/cli/bench_command.hpp"
#include "portico/core/config.hpp"
#include "portico/core/log.hpp"
#include "portico/core/time.hpp"
#include "portico/http/server.hpp"
#include "portico/jobs/outbox_worker.hpp"
#include "portico/jobs/periodic.hpp"
#include "portico/mail/outbox.hpp"
#include "portico/mail/templates.hpp"
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
  --mail-from ADDRESS    PORTICO_MAIL_FROM     sender of Portico's e-mail
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
  std::vector<std::string> arguments = {};  // required positional arguments, e.g. {"NAME"}
  std::string details = {};                 // the command's own flags, for --help
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
  // Migrated: from here on no statement may hold a worker for long (a request gets a 503).
  (*db)->limit_statements(std::chrono::milliseconds(config->statement_timeout_ms));
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
  auto mail_templates = mail::MailTemplates::load(config->data_dir / "templates" / "mail");
  if (!mail_templates) {
    print_error(mail_templates.error().message);
    return 1;
  }
  app::Env env{**db, *mail_templates, config->base_url, time::system_now};
  web::Limiters limiters;
  web::App app(web::Services{*config, **db, **templates, **assets, env, limiters});

  http::ServerOptions options;
  options.host = config->listen_host;
  options.port = config->listen_port;
  options.max_body_bytes = config->max_body_bytes;
  options.threads = config->workers > 0
                        ? config->workers
                        : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options.header_timeout = std::chrono::milliseconds(config->header_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(config->idle_timeout_ms);
  http::Server server(
      options, [&app](http::Request& request) { return app.handle(request); },
      [&app](int status, const http::Request* request) { return app.error_page(status, request); });
  if (auto listening = server.listen(); !listening) {
    print_error(listening.error().message);
    return 1;
  }
  // With --listen …:0 the port is known only now; links in mail must carry it.
  if (config->base_url_is_default) env.base_url = fmt::format("http://localhost:{}", server.port());
  // Background jobs start once the base URL is final. Mail leaves through the outbox; without
  // an SMTP URL it stays there (CLI and admin page).
  jobs::OutboxWorker outbox(
      **db, mail::MailIdentity{config->mail_from, config->mail_from_name, {}},
      config->smtp_url.empty() ? std::nullopt : std::optional<std::string>(config->smtp_url),
      time::system_now);
  if (outbox.configured()) outbox.start();
  // Reminders and auto-close for tickets pending on the customer, once a minute.
  jobs::Periodic auto_close("auto-close", std::chrono::seconds(60), [&env] {
    auto stats = app::run_auto_close(env, env.now());
    if (!stats) {
      spdlog::warn("auto-close: {}", stats.error().message);
    } else if (stats->reminded + stats->closed > 0) {
      spdlog::info("auto-close: {} reminder(s), {} ticket(s) closed", stats->reminded,
                   stats->closed);
    }
  });
  auto_close.start();
  // Full-text index upkeep (SQLite): a bounded merge every five minutes.
  jobs::Periodic search_upkeep("search-index", std::chrono::minutes(5), [&env] {
    if (auto done = app::tidy_search_indexes(env.db); !done) {
      spdlog::warn("search-index: {}", done.error().message);
    }
  });
  search_upkeep.start();

  if (config->port_file) {
    std::ofstream out(*config->port_file);
    out << server.port() << "\n";
  }
  spdlog::info("Portico {} serving http://{}:{}/ (database {}, data {})", PORTICO_VERSION,
               config->listen_host, server.port(),
               config->database_url.starts_with("sqlite:") ? config->database_url : "postgresql",
               config->data_dir.string());
  server.run();
  search_upkeep.stop();
  auto_close.stop();
  outbox.stop();
  spdlog::info("stopped");
  return 0;
}

// Runs fn with what services need outside the web server: the migrated database and the mail
// templates (for invitations). Configuration problems are usage errors (exit 2), the rest exit 1.
int with_services(const Flags& flags, const std::function<int(app::Env&, const Config&)>& fn) {
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
  auto mail_templates = mail::MailTemplates::load(config->data_dir / "templates" / "mail");
  if (!mail_templates) {
    print_error(mail_templates.error().message);
    return 1;
  }
  app::Env env{**db, *mail_templates, config->base_url, time::system_now};
  return fn(env, *config);
}

// Every value of a repeatable flag, also comma-separated ones ("--team support,product").
std::vector<std::string> list_flag(const Flags& flags, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& value : flags.get_all(name)) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find(',', start);
      if (end == std::string::npos) end = value.size();
      std::string item = value.substr(start, end - start);
      if (item.find_first_not_of(" \t") != std::string::npos) out.push_back(item);
      start = end + 1;
    }
  }
  return out;
}

void print_invitation(const app::Invitation& invitation) {
  std::cout << fmt::format("Invitation e-mail queued for {} (user #{}).\n", invitation.email,
                           invitation.user_id)
            << fmt::format("Create password link (works once, expires in {} days):\n",
                           app::kInvitationLifetime / 86'400)
            << "  " << invitation.link << "\n";
}

int cmd_invite(const Flags& flags) {
  auto email = flags.get("email");
  if (!email || email->empty()) {
    print_error("--email is required (see portico invite --help)");
    return kUsageError;
  }
  return with_services(flags, [&](app::Env& env, const Config&) {
    app::InviteInput input;
    input.email = *email;
    input.name = flags.get("name").value_or("");
    input.organization = flags.get("org").value_or("");
    input.role = flags.get("role").value_or("customer");
    input.teams = list_flag(flags, "team");
    auto invited = app::invite(env, app::command_line_actor().as_inviter(), input);
    if (!invited) {
      print_error(invited.error().message);
      return 1;
    }
    print_invitation(*invited);
    return 0;
  });
}

int cmd_admin_create(const Flags& flags) {
  auto email = flags.get("email");
  auto name = flags.get("name");
  if (!email || email->empty() || !name || name->empty()) {
    print_error("--email and --name are required (see portico admin create --help)");
    return kUsageError;
  }
  return with_services(flags, [&](app::Env& env, const Config&) {
    app::InviteInput input;
    input.email = *email;
    input.name = *name;
    input.role = "admin";
    input.teams = {std::string(domain::team_slug(domain::Team::kSupport))};
    auto invited = app::invite(env, app::command_line_actor().as_inviter(), input);
    if (!invited) {
      print_error(invited.error().message);
      return 1;
    }
    std::cout << fmt::format("Admin {} created (Support team).\n", *name);
    print_invitation(*invited);
    return 0;
  });
}

int cmd_org_create(const Flags& flags) {
  const std::string& name = flags.positional().front();
  return with_services(flags, [&](app::Env& env, const Config&) {
    auto created =
        app::create_organization(env, app::command_line_actor(), name, list_flag(flags, "domain"));
    if (!created) {
      print_error(created.error().message);
      return 1;
    }
    std::string domains;
    for (const auto& d : created->domains) domains += (domains.empty() ? "" : ", ") + d;
    std::cout << fmt::format("Organization \"{}\" created (#{}){}.\n", created->name, created->id,
                             domains.empty() ? "" : ", e-mail domains: " + domains);
    std::cout << fmt::format("Invite its people with: portico invite --email E --org \"{}\"\n",
                             created->name);
    return 0;
  });
}

// A positive whole number, or nullopt.
std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

std::string mailbox(const std::string& name, const std::string& address) {
  return name.empty() ? address : fmt::format("{} <{}>", name, address);
}

int cmd_outbox_list(const Flags& flags) {
  int limit = 20;
  if (auto text = flags.get("limit")) {
    auto parsed = parse_id(*text);
    if (!parsed || *parsed > 500) {
      print_error(fmt::format("--limit must be a whole number from 1 to 500, not '{}'", *text));
      return kUsageError;
    }
    limit = static_cast<int>(*parsed);
  }
  return with_services(flags, [&](app::Env& env, const Config&) {
    auto entries = mail::list_outbox(env.db, limit);
    if (!entries) {
      print_error(entries.error().message);
      return 1;
    }
    if (entries->empty()) {
      std::cout << "The outbox is empty.\n";
      return 0;
    }
    std::cout << fmt::format("{:>6}  {:<7}  {:<19}  {:<32}  {}\n", "ID", "STATE", "CREATED (UTC)",
                             "TO", "SUBJECT");
    for (const auto& e : *entries) {
      std::cout << fmt::format("{:>6}  {:<7}  {:<19}  {:<32}  {}\n", e.id, mail::to_string(e.state),
                               time::format_local(e.created_at, "UTC"), e.to_address, e.subject);
    }
    std::cout << "Show one with: portico outbox show ID\n";
    return 0;
  });
}

int cmd_outbox_show(const Flags& flags) {
  auto id = parse_id(flags.positional().front());
  if (!id) {
    print_error(fmt::format("ID must be a message number from `portico outbox list`, not '{}'",
                            flags.positional().front()));
    return kUsageError;
  }
  return with_services(flags, [&](app::Env& env, const Config& config) {
    auto entry = mail::get_outbox(env.db, *id);
    if (!entry) {
      print_error(entry.error().code == ErrorCode::kNotFound
                      ? fmt::format("there is no message #{} in the outbox", *id)
                      : entry.error().message);
      return 1;
    }
    const auto& e = *entry;
    std::cout << fmt::format("From: {}\n", mailbox(config.mail_from_name, config.mail_from))
              << fmt::format("To: {}\n", mailbox(e.to_name, e.to_address))
              << fmt::format("Subject: {}\n", e.subject)
              << fmt::format("Date: {}\n", time::format_iso(e.sent_at.value_or(e.created_at)));
    if (e.message_id) std::cout << fmt::format("Message-ID: {}\n", *e.message_id);
    std::cout << fmt::format("X-Portico-Outbox: #{}, template {}, {}, {} attempt{}\n", e.id,
                             e.template_name, mail::to_string(e.state), e.attempts,
                             e.attempts == 1 ? "" : "s");
    if (e.last_error) std::cout << fmt::format("X-Portico-Last-Error: {}\n", *e.last_error);
    std::cout << "\n--- text/plain; charset=utf-8 ---\n" << e.body_text;
    if (!e.body_text.ends_with('\n')) std::cout << "\n";
    std::cout << "\n--- text/html; charset=utf-8 ---\n" << e.body_html;
    if (!e.body_html.ends_with('\n')) std::cout << "\n";
    return 0;
  });
}

std::map<std::string, Command> commands() {
  auto config_flags = config_flag_names();
  auto serve_flags = config_flags;
  for (const char* f : {"workers", "max-body-mib", "port-file", "header-timeout-ms",
                        "idle-timeout-ms", "statement-timeout-ms"}) {
    serve_flags.emplace_back(f);
  }
  auto with = [&](std::initializer_list<const char*> extra) {
    auto flags = config_flags;
    for (const char* f : extra) flags.emplace_back(f);
    return flags;
  };
  return {
      {"serve", {"start the web server", "portico serve [flags]", serve_flags, {}, cmd_serve}},
      {"migrate",
       {"create or upgrade the database schema",
        "portico migrate [flags]",
        config_flags,
        {},
        cmd_migrate}},
      {"demo",
       {"load demo data (organizations, people, tickets, articles) once, print the demo logins",
        "portico demo [flags]",
        config_flags,
        {},
        cmd_demo}},
      {"invite",
       {"invite a person: queue their invitation e-mail and print its Create password link",
        "portico invite --email E [--name N] [--org O] [--role R] [--team T ...] [flags]",
        with({"email", "name", "org", "role", "team"}),
        {},
        cmd_invite,
        {},
        R"(
  --email E     their e-mail address (required)
  --name N      their display name (default: the part of the address before the @)
  --org O       their organization, by name (customers; create it with `portico org create`)
  --role R      customer (default), agent or admin
  --team T      support, product, technical, development or deployment (agents and admins;
                repeat the flag or separate with commas for several teams)
)"}},
      {"org create",
       {"create an organization",
        "portico org create NAME [--domain D ...] [flags]",
        with({"domain"}),
        {},
        cmd_org_create,
        {"NAME"},
        R"(
  NAME          the organization's name (quote it if it has spaces); unique, ignoring case
  --domain D    an e-mail domain of the organization, e.g. example.com (repeatable)
)"}},
      {"admin create",
       {"create an admin (Support team) and print their Create password link",
        "portico admin create --email E --name N [flags]",
        with({"email", "name"}),
        {},
        cmd_admin_create,
        {},
        R"(
  --email E     their e-mail address (required)
  --name N      their display name (required)
Works on an empty database: this is how the first admin is made.
)"}},
      {"outbox list",
       {"list the newest outgoing mail (id, state, created, to, subject)",
        "portico outbox list [--limit N] [flags]",
        with({"limit"}),
        {},
        cmd_outbox_list,
        {},
        R"(
  --limit N     how many messages, newest first (default 20, at most 500)
)"}},
      {"outbox show",
       {"print one outgoing mail whole: headers, text part and HTML part",
        "portico outbox show ID [flags]",
        config_flags,
        {},
        cmd_outbox_show,
        {"ID"},
        R"(
  ID            the message number from `portico outbox list`
Without SMTP configured, mail stays in the outbox: this is how to follow a Create password link.
)"}},
      {"bench-data",
       {"generate a large benchmark dataset into a new database and write the bench logins",
        "portico bench-data [--tickets N] [--messages-per-ticket M] [--customers N] "
        "[--organizations N] [--seed S] [flags]",
        bench_data_flags(),
        {},
        run_bench_data,
        {},
        std::string(bench_data_details())}},
      {"version", {"print the version", "portico version", {}, {}, cmd_version}},
  };
}

void print_help(const std::map<std::string, Command>& all) {
  std::cout << "Portico — help center, customer ticket portal and support desk.\n\n"
               "Usage: portico COMMAND [flags]\n\nCommands:\n";
  for (const auto& [name, command] : all) {
    std::cout << fmt::format("  {:<13} {}\n", name, command.summary);
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
  // A command is one word ("invite") or a group and a verb ("org create").
  auto it = all.find(args[0]);
  std::size_t words = 1;
  if (it == all.end() && args.size() > 1 && !args[1].starts_with("-")) {
    it = all.find(args[0] + " " + args[1]);
    words = 2;
  }
  if (it == all.end()) {
    std::vector<std::string> verbs;
    for (const auto& [name, command] : all) {
      if (name.starts_with(args[0] + " ")) verbs.push_back(name);
    }
    if (verbs.empty()) {
      print_error(fmt::format("unknown command '{}' (see portico --help)", args[0]));
      return kUsageError;
    }
    bool help = args.size() > 1 && (args[1] == "--help" || args[1] == "-h");
    if (help) {
      std::cout << fmt::format("Usage: portico {} VERB [flags]\n\nVerbs:\n", args[0]);
      for (const auto& verb : verbs) {
        std::cout << fmt::format("  {:<13} {}\n", verb, all.at(verb).summary);
      }
      std::cout << fmt::format("\nRun `portico {} --help` for a verb's flags.\n", verbs.front());
      return 0;
    }
    std::string names;
    for (const auto& verb : verbs) names += (names.empty() ? "" : ", ") + verb;
    print_error(fmt::format("{} '{}': use {} (see portico {} --help)",
                            args.size() > 1 ? "unknown command" : "incomplete command",
                            args.size() > 1 ? args[0] + " " + args[1] : args[0], names, args[0]));
    return kUsageError;
  }
  const std::string& name = it->first;
  const Command& command = it->second;
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(words), args.end());
  for (const auto& arg : rest) {
    if (arg == "--help" || arg == "-h") {
      std::cout << "Usage: " << command.usage << "\n\n" << command.summary << ".\n";
      if (!command.details.empty()) std::cout << command.details;
      if (!command.value_flags.empty()) std::cout << kConfigHelp;
      return 0;
    }
  }
  auto flags = Flags::parse(rest, command.value_flags, command.bool_flags);
  if (!flags) {
    print_error(flags.error().message);
    return kUsageError;
  }
  const auto& positional = flags->positional();
  if (positional.size() < command.arguments.size()) {
    print_error(fmt::format("portico {} needs {} (see portico {} --help)", name,
                            command.arguments[positional.size()], name));
    return kUsageError;
  }
  if (positional.size() > command.arguments.size()) {
    print_error(fmt::format("unexpected argument '{}' (see portico {} --help){}",
                            positional[command.arguments.size()], name,
                            command.arguments.empty() ? "" : "; quote a value that has spaces"));
    return kUsageError;
  }
  return command.run(*flags);
}

}  // namespace portico::cli
