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

// The two formats below, written into a buffer on the stack, digit pair by digit pair, for the
// years 1000 to 9999: a list page formats a hundred dates, and fmt (even with compiled formats)
// spent ~1,300 instructions on each, a tenth of the page. Other years go through fmt.
constexpr bool four_digit_year(date::year year) {
  return year >= date::year{1000} && year <= date::year{9999};
}

char* two_digits(char* out, unsigned n) {
  *out++ = static_cast<char>('0' + n / 10 % 10);
  *out++ = static_cast<char>('0' + n % 10);
  return out;
}

char* four_digits(char* out, unsigned n) { return two_digits(two_digits(out, n / 100), n % 100); }

// "%d %b %Y, %H:%M" of a local or UTC time point, without iostreams (date::format builds a
// stream and a locale per call, which was a sixth of a ticket page's time).
template <typename Duration>
std::string day_month_year_time(date::local_time<Duration> tp) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = date::floor<date::days>(tp);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{date::floor<std::chrono::seconds>(tp - day)};
  auto d = static_cast<unsigned>(ymd.day());
  std::string_view month = kMonths[static_cast<unsigned>(ymd.month()) - 1];
  auto h = static_cast<unsigned>(hms.hours().count());
  auto m = static_cast<unsigned>(hms.minutes().count());
  if (!four_digit_year(ymd.year())) {
    return fmt::format("{:02} {} {}, {:02}:{:02}", d, month, static_cast<int>(ymd.year()), h, m);
  }
  std::array<char, 18> text;  // "26 Nov 2026, 11:55"
  char* out = two_digits(text.data(), d);
  *out++ = ' ';
  out = std::copy(month.begin(), month.end(), out);
  *out++ = ' ';
  out = four_digits(out, static_cast<unsigned>(static_cast<int>(ymd.year())));
  *out++ = ',';
  *out++ = ' ';
  out = two_digits(out, h);
  *out++ = ':';
  out = two_digits(out, m);
  return std::string(text.data(), out);
}

// The zone's local time at tp. The zone's offset holds over a period (between two daylight-saving
// changes); the last period looked up is kept per thread, as a page's times mostly fall in one
// (time_zone::to_local looks it up again each time: a binary search of the zone's transitions).
date::local_seconds local_time_in(const date::time_zone* tz, date::sys_seconds tp) {
  thread_local const date::time_zone* zone = nullptr;
  thread_local date::sys_info period{};
  if (tz != zone || tp < period.begin || tp >= period.end) {
    period = tz->get_info(tp);
    zone = tz;
  }
  return date::local_seconds{(tp + period.offset).time_since_epoch()};
}

}  // namespace

std::string format_local(std::int64_t unix_seconds, std::string_view zone) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  const date::time_zone* tz = find_zone(zone);
  if (!tz) tz = find_zone("UTC");
  if (!tz) {
    return day_month_year_time(date::local_seconds{tp.time_since_epoch()}) + " UTC";
  }
  return day_month_year_time(local_time_in(tz, tp));
}

std::string format_iso(std::int64_t unix_seconds) {
  date::sys_seconds tp{std::chrono::seconds(unix_seconds)};
  auto day = date::floor<date::days>(tp);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{tp - day};
  auto mo = static_cast<unsigned>(ymd.month());
  auto d = static_cast<unsigned>(ymd.day());
  auto h = static_cast<unsigned>(hms.hours().count());
  auto mi = static_cast<unsigned>(hms.minutes().count());
  auto se = static_cast<unsigned>(hms.seconds().count());
  if (!four_digit_year(ymd.year())) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()), mo, d,
                       h, mi, se);
  }
  std::array<char, 20> text;  // "2026-11-26T11:55:14Z"
  char* out = four_digits(text.data(), static_cast<unsigned>(static_cast<int>(ymd.year())));
  for (auto [separator, n] : {std::pair{'-', mo}, std::pair{'-', d}, std::pair{'T', h},
                              std::pair{':', mi}, std::pair{':', se}}) {
    *out++ = separator;
    out = two_digits(out, n);
  }
  *out++ = 'Z';
  return std::string(text.data(), out);
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
