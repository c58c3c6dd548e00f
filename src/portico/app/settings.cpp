#include "portico/app/settings.hpp"

#include <charconv>
#include <string>

#include "portico/storage/db.hpp"

namespace portico::app {

Result<WorkflowSettings> load_workflow_settings(storage::Connection& c) {
  WorkflowSettings settings;
  auto rows = c.query(
      "SELECT key, value FROM settings WHERE key IN ('reminder_after', 'close_after', "
      "'reopen_window')");
  if (!rows) return std::unexpected(rows.error());
  for (const auto& row : *rows) {
    std::string value = row.text(1);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || n <= 0) continue;  // a bad stored value falls back to the default
    std::string key = row.text(0);
    if (key == "reminder_after") settings.reminder_after = n;
    if (key == "close_after") settings.close_after = n;
    if (key == "reopen_window") settings.reopen_window = n;
  }
  return settings;
}

Result<void> save_setting(storage::Connection& c, std::string_view key, std::int64_t value,
                          std::int64_t now) {
  auto saved = c.execute(
      "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      storage::Params(std::string(key), std::to_string(value), now));
  if (!saved) return std::unexpected(saved.error());
  return {};
}

}  // namespace portico::app
