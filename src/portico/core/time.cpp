#include "portico/core/time.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include <date/tz.h>
#include <fmt/compile.h>
#include <fmt/format.h>

namespace portico::time {

namespace {

const date::time_zone* find_zone(std::string_view zone) {
  // A page formats all its times in one zone: the last one found is kept per thread (zones live
  // as long as the process's time zone database).
  thread_local std::string last_name;
  thread_local const date::time_zone* last = nullptr;
  if (last && zone == last_name) return last;
  try {
    const date::time_zone* found = date::locate_zone(std::string(zone));
    last_name = zone;
    last = found;
    return found;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string plural(std::int64_t n, std::string_view unit) {
  return fmt::format(FMT_COMPILE("{} {}{}"), n, unit, n == 1 ? "" : "s");
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

namespace {

// "%d %b %Y, %H:%M" of a local or UTC time point, without iostreams (date::format builds a
// stream and a locale per call, which was a sixth of a ticket page's time). The formats here are
// compiled (FMT_COMPILE): a list page formats a hundred times.
template <typename Duration>
std::string day_month_year_time(date::local_time<Duration> tp) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = date::floor<date::days>(tp);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{date::floor<std::chrono::seconds>(tp - day)};
  return fmt::format(FMT_COMPILE("{:02} {} {}, {:02}:{:02}"), static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count());
}

}  // namespace

std::string format_local(std::int64_t unix_seconds, std::string_view zone) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  const date::time_zone* tz = find_zone(zone);
  if (!tz) tz = find_zone("UTC");
  if (!tz) {
    return day_month_year_time(date::local_seconds{tp.time_since_epoch()}) + " UTC";
  }
  return day_month_year_time(tz->to_local(tp));
}

std::string format_iso(std::int64_t unix_seconds) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  auto day = date::floor<date::days>(tp);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{tp - day};
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z"),
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count());
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
