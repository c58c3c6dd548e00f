#include "portico/core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace portico {

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& value) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("listen address '{}' must be host:port, e.g. 127.0.0.1:8080", value));
  }
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  int port = -1;
  std::string_view digits = std::string_view(value).substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port < 0 || port > 65535) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("listen port in '{}' must be a number from 0 to 65535", value));
  }
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

Result<int> parse_positive(const std::string& name, const std::string& value) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n <= 0) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("--{} must be a positive whole number, not '{}'", name, value));
  }
  return n;
}

}  // namespace

Result<Flags> Flags::parse(const std::vector<std::string>& args,
                           const std::vector<std::string>& known_values,
                           const std::vector<std::string>& known_booleans) {
  Flags flags;
  auto is = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      flags.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (is(known_booleans, name)) {
      if (value) {
        return fail(ErrorCode::kInvalidArgument, fmt::format("--{} takes no value", name));
      }
      flags.values_.emplace(name, "true");
    } else if (is(known_values, name)) {
      if (!value) {
        if (i + 1 >= args.size()) {
          return fail(ErrorCode::kInvalidArgument, fmt::format("--{} needs a value", name));
        }
        value = args[++i];
      }
      flags.values_.emplace(name, *value);
    } else {
      return fail(ErrorCode::kInvalidArgument, fmt::format("unknown flag --{} (see --help)", name));
    }
  }
  return flags;
}

std::optional<std::string> Flags::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Flags::get_all(const std::string& name) const {
  std::vector<std::string> out;
  auto [begin, end] = values_.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

const std::vector<std::string>& config_flag_names() {
  static const std::vector<std::string> names = {
      "listen", "database-url", "base-url", "smtp-url", "mail-from", "data-dir", "log-level"};
  return names;
}

Result<Config> load_config(const Flags& flags) {
  Config config;
  auto pick = [&](const char* flag, const char* variable) -> std::optional<std::string> {
    if (auto v = flags.get(flag)) return v;
    return env(variable);
  };
  if (auto listen = pick("listen", "PORTICO_LISTEN")) {
    auto parsed = parse_listen(*listen);
    if (!parsed) return std::unexpected(parsed.error());
    config.listen_host = parsed->first;
    config.listen_port = parsed->second;
  }
  if (auto url = pick("database-url", "PORTICO_DATABASE_URL")) config.database_url = *url;
  if (!config.database_url.starts_with("sqlite:") &&
      !config.database_url.starts_with("postgresql://") &&
      !config.database_url.starts_with("postgres://")) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("database URL '{}' must be sqlite:PATH or postgresql://…",
                            config.database_url));
  }
  if (auto base = pick("base-url", "PORTICO_BASE_URL")) {
    if (!base->starts_with("http://") && !base->starts_with("https://")) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("base URL '{}' must start with http:// or https://", *base));
    }
    config.base_url = *base;
    config.base_url_is_default = false;
    while (config.base_url.ends_with('/')) config.base_url.pop_back();
  } else {
    config.base_url = fmt::format("http://localhost:{}", config.listen_port);
  }
  if (auto smtp = pick("smtp-url", "PORTICO_SMTP_URL")) {
    if (!smtp->starts_with("smtp://") && !smtp->starts_with("smtps://")) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("SMTP URL '{}' must start with smtp:// or smtps://", *smtp));
    }
    config.smtp_url = *smtp;
  }
  if (auto from = pick("mail-from", "PORTICO_MAIL_FROM")) {
    if (from->find('@') == std::string::npos ||
        from->find_first_of(" <>\r\n") != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("mail sender '{}' must be a bare e-mail address", *from));
    }
    config.mail_from = *from;
  }
  if (auto level = pick("log-level", "PORTICO_LOG_LEVEL")) {
    static const std::vector<std::string> levels = {"trace", "debug", "info",
                                                    "warn",  "error", "off"};
    if (std::find(levels.begin(), levels.end(), *level) == levels.end()) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("log level '{}' must be one of trace, debug, info, warn, error, off",
                              *level));
    }
    config.log_level = *level;
  }
  auto data_dir = find_data_dir(pick("data-dir", "PORTICO_DATA_DIR"));
  if (!data_dir) return std::unexpected(data_dir.error());
  config.data_dir = *data_dir;
  if (auto workers = flags.get("workers")) {
    auto n = parse_positive("workers", *workers);
    if (!n) return std::unexpected(n.error());
    config.workers = *n;
  }
  if (auto max_body = flags.get("max-body-mib")) {
    auto n = parse_positive("max-body-mib", *max_body);
    if (!n) return std::unexpected(n.error());
    config.max_body_bytes = static_cast<std::size_t>(*n) * 1024 * 1024;
  }
  if (auto timeout = flags.get("header-timeout-ms")) {
    auto n = parse_positive("header-timeout-ms", *timeout);
    if (!n) return std::unexpected(n.error());
    config.header_timeout_ms = *n;
  }
  if (auto timeout = flags.get("idle-timeout-ms")) {
    auto n = parse_positive("idle-timeout-ms", *timeout);
    if (!n) return std::unexpected(n.error());
    config.idle_timeout_ms = *n;
  }
  if (auto timeout = flags.get("statement-timeout-ms")) {
    auto n = parse_positive("statement-timeout-ms", *timeout);
    if (!n) return std::unexpected(n.error());
    config.statement_timeout_ms = *n;
  }
  if (auto port_file = flags.get("port-file")) config.port_file = *port_file;
  return config;
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

Result<std::filesystem::path> find_data_dir(const std::optional<std::string>& configured) {
  auto looks_right = [](const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::exists(dir / "templates" / "layout.mustache", ec);
  };
  if (configured) {
    if (!looks_right(*configured)) {
      return fail(ErrorCode::kInvalidArgument,
                  fmt::format("data folder '{}' has no templates/layout.mustache", *configured));
    }
    return std::filesystem::absolute(*configured);
  }
  auto exe = executable_dir();
  for (const auto& candidate :
       {exe / ".." / ".." / "data", exe / ".." / "data", exe / "data",
        exe / ".." / "share" / "portico", std::filesystem::path(PORTICO_INSTALL_DATA_DIR)}) {
    if (looks_right(candidate)) return std::filesystem::weakly_canonical(candidate);
  }
  return fail(ErrorCode::kInvalidArgument,
              "cannot find Portico's data folder (templates, static files, migrations); "
              "set PORTICO_DATA_DIR or --data-dir");
}

}  // namespace portico
