#pragma once
// Settings admins can change, stored in the settings table with defaults here.

#include <cstdint>
#include <string_view>

#include "portico/core/result.hpp"

namespace portico::storage {
class Connection;
}

namespace portico::app {

struct WorkflowSettings {
  std::int64_t reminder_after = 3 * 86'400;  // pending on the customer: send a reminder
  std::int64_t close_after = 7 * 86'400;     // pending on the customer: close (no response)
  std::int64_t reopen_window = 14 * 86'400;  // a reply to a Closed ticket reopens it until then
};

[[nodiscard]] Result<WorkflowSettings> load_workflow_settings(storage::Connection& c);
[[nodiscard]] Result<void> save_setting(storage::Connection& c, std::string_view key,
                                        std::int64_t value, std::int64_t now);

}  // namespace portico::app
