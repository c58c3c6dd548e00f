#include "portico/core/time.hpp"

#include <algorithm>
#include <chrono>

#include <date/tz.h>
#include <fmt/format.h>

namespace portico::time {

namespace {

const date::time_zone* find_zone(std::string_view zone) {
  try {
    return date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string plural(std::int64_t n, std::string_view unit) {
  return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s");
}

}  // namespace

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_valid_zone(std::string_view zone) { return !zone.empty() && find_zone(zone) != nullptr; }

const std::vector<std::string>& zone_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    try {
      for (const auto& zone : date::get_tzdb().zones) out.push_back(std::string(zone.name()));
    } catch (const std::exception&) {
      out.push_back("UTC");
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

std::string format_local(std::int64_t unix_seconds, std::string_view zone) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  const date::time_zone* tz = find_zone(zone);
  if (!tz) tz = find_zone("UTC");
  if (!tz) return date::format("%d %b %Y, %H:%M UTC", tp);
  auto local = date::make_zoned(tz, tp);
  return date::format("%d %b %Y, %H:%M", local);
}

std::string format_iso(std::int64_t unix_seconds) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  return date::format("%Y-%m-%dT%H:%M:%SZ", tp);
}

std::string relative(std::int64_t then, std::int64_t now) {
  std::int64_t delta = now - then;
  bool future = delta < 0;
  std::int64_t d = future ? -delta : delta;
  if (d < 60) return "just now";
  std::string amount;
  if (d < 3600)
    amount = plural(d / 60, "minute");
  else if (d < 86400)
    amount = plural(d / 3600, "hour");
  else if (d < 86400 * 30)
    amount = plural(d / 86400, "day");
  else if (d < 86400 * 365)
    amount = plural(d / (86400 * 30), "month");
  else
    amount = plural(d / (86400 * 365), "year");
  return future ? "in " + amount : amount + " ago";
}

std::string duration(std::int64_t seconds) {
  if (seconds < 60) return "less than a minute";
  std::int64_t days = seconds / 86400, hours = (seconds % 86400) / 3600,
               minutes = (seconds % 3600) / 60;
  if (days > 0)
    return hours > 0 ? plural(days, "day") + " " + plural(hours, "hour") : plural(days, "day");
  if (hours > 0)
    return minutes > 0 ? plural(hours, "hour") + " " + plural(minutes, "minute")
                       : plural(hours, "hour");
  return plural(minutes, "minute");
}

}  // namespace portico::time
