#pragma once
// Time as Unix seconds (UTC) everywhere in storage and services; shown in the viewer's time zone.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::time {

// The clock services use; tests inject their own.
using Clock = std::function<std::int64_t()>;
std::int64_t system_now();

// True for an IANA zone the system's tzdata knows, e.g. "Europe/Lisbon" or "UTC".
bool is_valid_zone(std::string_view zone);
// Every known zone name, sorted (for the time-zone picker).
const std::vector<std::string>& zone_names();

// "26 Nov 2026, 14:05" in the zone (UTC if the zone is unknown).
std::string format_local(std::int64_t unix_seconds, std::string_view zone);
// "2026-11-26T14:05:00+00:00": for <time datetime="…">.
std::string format_iso(std::int64_t unix_seconds);
// "just now", "5 minutes ago", "3 days ago", "in 2 hours".
std::string relative(std::int64_t unix_seconds, std::int64_t now);
// "2 days 4 hours", "35 minutes": a duration for people.
std::string duration(std::int64_t seconds);

}  // namespace portico::time
