#include "portico/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace portico {

void init_logging(const std::string& level) {
  auto main = spdlog::stderr_logger_mt("portico");
  main->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  main->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(main);
  auto access = spdlog::stdout_logger_mt("access");
  access->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","log":"access",%v)",
                      spdlog::pattern_time_type::utc);
  access->set_level(level == "off" || level == "error" || level == "warn" ? spdlog::level::off
                                                                          : spdlog::level::info);
  access->flush_on(spdlog::level::info);
}

}  // namespace portico
