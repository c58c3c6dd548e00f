// Service tests: the wording of the status definitions on a real temporary SQLite database, with
// an injected clock for the age of the in-memory copy.

#include "portico/app/status_wording.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "portico/mail/smtp_sink.test.hpp"
#include "portico/storage/db.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::app {
namespace {

using namespace std::chrono_literals;
using storage::Params;

constexpr auto kStatus = domain::Status::kWaitingOnCustomerInitialInformation;

class StatusWordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.url = "sqlite:" + (dir_.path() / "portico.db").string();
    // One connection: a read that needs a second one while the caller holds it would wait.
    options.pool_size = 1;
    auto db = storage::open_database(options);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::migrate(*db_, mail::test::source_dir() / "data" / "migrations");
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  // Writes the table directly, as a save in another server process would.
  void write(domain::Status status, const std::string& definition) {
    auto done = db_->with_connection([&](storage::Connection& c) {
      return c.execute(
          "INSERT INTO status_definitions (status, definition, updated_at) VALUES ($1, $2, 0) "
          "ON CONFLICT (status) DO UPDATE SET definition = excluded.definition",
          Params(domain::to_code(status), definition));
    });
    ASSERT_TRUE(done) << done.error().message;
  }

  StatusWording wording(std::chrono::milliseconds time_to_live = 5s) {
    return StatusWording(*db_, time_to_live, [this] { return now_.load(); });
  }

  mail::test::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
  std::atomic<std::chrono::steady_clock::time_point> now_{std::chrono::steady_clock::time_point{}};
};

TEST_F(StatusWordingTest, BuiltInDefinitionsWithoutAnAdminsWording) {
  StatusWording w(*db_);
  for (auto status : domain::all_statuses()) {
    EXPECT_EQ(w.definition(status), domain::status_definition(status)) << status_name(status);
  }
}

TEST_F(StatusWordingTest, AnAdminsWordingReplacesOnlyItsStatus) {
  write(kStatus, "Send us the printer model.");
  write(domain::Status::kSupportTeamTriaging, "");  // empty: the built-in wording
  StatusWording w(*db_);
  for (auto status : domain::all_statuses()) {
    EXPECT_EQ(w.definition(status),
              status == kStatus ? "Send us the printer model." : domain::status_definition(status))
        << status_name(status);
  }
}

TEST_F(StatusWordingTest, AChangeShowsAtOnceAfterInvalidateAndOtherwiseAfterTheTimeToLive) {
  auto w = wording(5s);
  write(kStatus, "First wording.");
  EXPECT_EQ(w.definition(kStatus), "First wording.");

  // Another process changes it: this one keeps its copy until the copy is 5 s old.
  write(kStatus, "Second wording.");
  now_ = now_.load() + 4'999ms;
  EXPECT_EQ(w.definition(kStatus), "First wording.");
  now_ = now_.load() + 1ms;
  EXPECT_EQ(w.definition(kStatus), "Second wording.");

  // A change in this process invalidates the copy: shown at once.
  write(kStatus, "Third wording.");
  EXPECT_EQ(w.definition(kStatus), "Second wording.");
  w.invalidate();
  EXPECT_EQ(w.definition(kStatus), "Third wording.");
}

TEST_F(StatusWordingTest, ServicesReadOnTheirOwnConnectionInsideATransaction) {
  write(kStatus, "Send us the printer model.");
  auto w = wording();
  // The pool's only connection is the caller's: a read on another one would wait and fail.
  auto read = db_->transaction([&](storage::Connection& c) { return w.definition(c, kStatus); });
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, "Send us the printer model.");
}

TEST_F(StatusWordingTest, AFailedReadFailsTheServiceButPagesKeepTheLastWording) {
  write(kStatus, "Send us the printer model.");
  auto w = wording();
  EXPECT_EQ(w.definition(kStatus), "Send us the printer model.");
  auto fresh = wording();  // never read the table
  ASSERT_TRUE(db_->with_connection(
      [](storage::Connection& c) { return c.execute_script("DROP TABLE status_definitions"); }));
  w.invalidate();

  auto failed =
      db_->with_connection([&](storage::Connection& c) { return w.definition(c, kStatus); });
  EXPECT_FALSE(failed);
  EXPECT_EQ(w.definition(kStatus), "Send us the printer model.");
  EXPECT_EQ(fresh.definition(kStatus), domain::status_definition(kStatus));
}

}  // namespace
}  // namespace portico::app
