#include "portico/jobs/outbox_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include "portico/mail/outbox.hpp"
#include "portico/mail/smtp_sink.test.hpp"
#include "portico/storage/migrate.hpp"

namespace portico::jobs {
namespace {

namespace test = mail::test;
using mail::OutboxState;

constexpr std::int64_t kNow = 1'767'225'600;
const mail::MailIdentity kIdentity{"support@portico.example", "Portico Support", ""};

OutboxWorker::Clock fixed_clock(std::int64_t now = kNow) {
  return [now] { return now; };
}

class OutboxWorkerTest : public ::testing::Test {
 protected:
  // One sink for the suite (starting Python takes ~0.5 s); each test clears its Maildir.
  static void SetUpTestSuite() {
    if (!test::SmtpSink::available()) return;
    sink_dir_ = std::make_unique<test::TempDir>();
    sink_ = std::make_unique<test::SmtpSink>(sink_dir_->path() / "maildir");
  }
  static void TearDownTestSuite() {
    sink_.reset();
    sink_dir_.reset();
  }

  void SetUp() override {
    if (!test::SmtpSink::available()) GTEST_SKIP() << test::kSystemPython << " is missing";
    ASSERT_TRUE(sink_) << "the SMTP sink did not start";
    sink_->clear();
    db_ = open_db();
    ASSERT_TRUE(db_);
    auto migrated = storage::migrate(*db_, test::source_dir() / "data" / "migrations");
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  // Another pool on the same file: what a second server process would have.
  std::unique_ptr<storage::Database> open_db() {
    auto db = storage::open_database({"sqlite:" + (dir_.path() / "portico.db").string()});
    EXPECT_TRUE(db) << db.error().message;
    return db ? std::move(*db) : nullptr;
  }

  std::int64_t enqueue(const std::string& address, std::int64_t now = kNow) {
    mail::OutgoingMail mail;
    mail.template_name = "ticket_created";
    mail.to_address = address;
    mail.to_name = "Zoë Müller";
    mail.subject = "[#7] Überweisung – Fehler";
    mail.body_text = "Hello Zoë,\n\nWe received your request.\n";
    mail.body_html = "<p>Hello Zoë,</p>";
    auto id = db_->transaction([&](storage::Connection& c) { return mail::enqueue(c, mail, now); });
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(0);
  }

  mail::OutboxEntry row(std::int64_t id) {
    auto entry = mail::get_outbox(*db_, id);
    EXPECT_TRUE(entry) << entry.error().message;
    return entry.value_or(mail::OutboxEntry{});
  }

  void execute(std::string_view sql, const storage::Params& params) {
    auto done =
        db_->with_connection([&](storage::Connection& c) { return c.execute(sql, params); });
    ASSERT_TRUE(done) << done.error().message;
  }

  static inline std::unique_ptr<test::TempDir> sink_dir_;
  static inline std::unique_ptr<test::SmtpSink> sink_;
  test::TempDir dir_;
  std::unique_ptr<storage::Database> db_;
};

TEST_F(OutboxWorkerTest, DeliversQueuedMailExactlyOnce) {
  std::int64_t first = enqueue("ana@customer.example");
  std::int64_t second = enqueue("bo@customer.example");
  OutboxWorker worker(*db_, kIdentity, sink_->url(), fixed_clock());
  ASSERT_TRUE(worker.configured());

  auto stats = worker.run_once(kNow);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->claimed, 2);
  EXPECT_EQ(stats->sent, 2);

  auto messages = sink_->messages();
  ASSERT_EQ(messages.size(), 2u);
  std::set<std::string> recipients;
  for (const auto& message : messages) {
    recipients.insert(test::header_value(message, "Delivered-To"));
    EXPECT_EQ(test::header_value(message, "Return-Path"), "<support@portico.example>");
    EXPECT_NE(message.find("Content-Type: multipart/alternative"), std::string::npos);
  }
  EXPECT_EQ(recipients, (std::set<std::string>{"ana@customer.example", "bo@customer.example"}));

  for (std::int64_t id : {first, second}) {
    auto entry = row(id);
    EXPECT_EQ(entry.state, OutboxState::kSent);
    EXPECT_EQ(entry.sent_at, kNow);
    EXPECT_EQ(entry.attempts, 0);
    EXPECT_EQ(entry.claimed_until, std::nullopt);
    ASSERT_TRUE(entry.message_id);
    bool found = false;
    for (const auto& message : messages) {
      found = found || test::header_value(message, "Message-Id") == *entry.message_id;
    }
    EXPECT_TRUE(found) << "no delivered message has Message-Id " << *entry.message_id;
  }

  auto again = worker.run_once(kNow + 3600);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->claimed, 0);
  EXPECT_EQ(sink_->messages().size(), 2u);
}

TEST_F(OutboxWorkerTest, LeavesMailQueuedWithoutSmtp) {
  std::int64_t id = enqueue("ana@customer.example");
  for (std::optional<std::string> url :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    OutboxWorker worker(*db_, kIdentity, url, fixed_clock());
    EXPECT_FALSE(worker.configured());
    auto stats = worker.run_once(kNow);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->claimed, 0);
    worker.start();  // a no-op
    worker.stop();
  }
  auto entry = row(id);
  EXPECT_EQ(entry.state, OutboxState::kQueued);
  EXPECT_EQ(entry.attempts, 0);
  EXPECT_TRUE(sink_->messages().empty());
}

TEST_F(OutboxWorkerTest, InvalidSmtpUrlIsReportedAndClaimsNothing) {
  std::int64_t id = enqueue("ana@customer.example");
  OutboxWorker worker(*db_, kIdentity, "http://127.0.0.1:1", fixed_clock());
  EXPECT_FALSE(worker.configured());
  auto stats = worker.run_once(kNow);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(row(id).state, OutboxState::kQueued);
  EXPECT_EQ(row(id).attempts, 0);
}

TEST_F(OutboxWorkerTest, KeepsMailWhileTheServerIsDownAndDeliversItOnceItIsBack) {
  test::ReservedPort port;  // refuses connections until released
  std::string url = "smtp://127.0.0.1:" + std::to_string(port.port()) + "?tls=none";
  std::int64_t id = enqueue("ana@customer.example");
  OutboxWorker worker(*db_, kIdentity, url, fixed_clock());

  auto down = worker.run_once(kNow);
  ASSERT_TRUE(down) << down.error().message;
  EXPECT_EQ(down->retried, 1);
  auto failed_once = row(id);
  EXPECT_EQ(failed_once.state, OutboxState::kQueued);
  EXPECT_EQ(failed_once.attempts, 1);
  EXPECT_EQ(failed_once.next_attempt_at, kNow + 30);
  ASSERT_TRUE(failed_once.last_error);
  EXPECT_FALSE(failed_once.last_error->empty());
  ASSERT_TRUE(failed_once.message_id);

  auto too_early = worker.run_once(kNow + 29);
  ASSERT_TRUE(too_early) << too_early.error().message;
  EXPECT_EQ(too_early->claimed, 0);

  port.release();
  test::TempDir sink_dir;
  test::SmtpSink sink(sink_dir.path() / "maildir", port.port());
  auto back = worker.run_once(kNow + 30);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->sent, 1);
  auto sent = row(id);
  EXPECT_EQ(sent.state, OutboxState::kSent);
  EXPECT_EQ(sent.sent_at, kNow + 30);
  EXPECT_EQ(sent.attempts, 1);
  EXPECT_EQ(sent.message_id, failed_once.message_id) << "a retry keeps its Message-ID";

  auto later = worker.run_once(kNow + 7200);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->claimed, 0);
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(test::header_value(messages[0], "Message-Id"), *failed_once.message_id);
}

TEST_F(OutboxWorkerTest, BacksOffAndGivesUpAfterMaxAttempts) {
  test::ReservedPort port;
  std::string url = "smtp://127.0.0.1:" + std::to_string(port.port()) + "?tls=none";
  std::int64_t id = enqueue("ana@customer.example");
  OutboxWorkerOptions options;
  options.max_attempts = 4;
  OutboxWorker worker(*db_, kIdentity, url, fixed_clock(), options);

  std::int64_t now = kNow;
  for (std::int64_t expected_delay : {30, 60, 120}) {
    auto stats = worker.run_once(now);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->retried, 1);
    auto entry = row(id);
    EXPECT_EQ(entry.state, OutboxState::kQueued);
    EXPECT_EQ(entry.next_attempt_at, now + expected_delay);
    now = entry.next_attempt_at;
  }
  auto last = worker.run_once(now);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(last->failed, 1);
  auto entry = row(id);
  EXPECT_EQ(entry.state, OutboxState::kFailed);
  EXPECT_EQ(entry.attempts, 4);
  EXPECT_TRUE(entry.last_error);

  auto after = worker.run_once(now + 86400);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->claimed, 0);
}

TEST_F(OutboxWorkerTest, CapsTheBackoffAtOneHour) {
  test::ReservedPort port;
  std::string url = "smtp://127.0.0.1:" + std::to_string(port.port()) + "?tls=none";
  std::int64_t id = enqueue("ana@customer.example");
  execute("UPDATE outbox SET attempts = 8 WHERE id = $1", storage::Params(id));
  OutboxWorker worker(*db_, kIdentity, url, fixed_clock());
  auto stats = worker.run_once(kNow);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->retried, 1);
  EXPECT_EQ(row(id).next_attempt_at, kNow + 3600);
  EXPECT_EQ(row(id).attempts, 9);
}

TEST_F(OutboxWorkerTest, FailsAtOnceWhenTheMailCannotBeComposed) {
  execute(
      "INSERT INTO outbox (template, to_address, subject, body_text, body_html, created_at,"
      " next_attempt_at) VALUES ('x', 'not an address', 's', 't', 'h', $1, $1)",
      storage::Params(kNow));
  std::int64_t good = enqueue("ana@customer.example");
  OutboxWorker worker(*db_, kIdentity, sink_->url(), fixed_clock());
  auto stats = worker.run_once(kNow);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->failed, 1);
  EXPECT_EQ(stats->sent, 1);
  EXPECT_EQ(row(good - 1).state, OutboxState::kFailed);
  EXPECT_EQ(row(good - 1).attempts, 1);
  EXPECT_TRUE(row(good - 1).last_error);
  EXPECT_EQ(sink_->messages().size(), 1u);
}

TEST_F(OutboxWorkerTest, ReclaimsMailWhoseWorkerDied) {
  std::int64_t id = enqueue("ana@customer.example");
  // Another worker claimed it and then died before recording anything.
  execute("UPDATE outbox SET state = 'sending', claimed_until = $1 WHERE id = $2",
          storage::Params(kNow + 60, id));
  OutboxWorker worker(*db_, kIdentity, sink_->url(), fixed_clock());

  auto during = worker.run_once(kNow + 59);
  ASSERT_TRUE(during) << during.error().message;
  EXPECT_EQ(during->claimed, 0);
  EXPECT_TRUE(sink_->messages().empty());

  auto after = worker.run_once(kNow + 61);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->sent, 1);
  EXPECT_EQ(row(id).state, OutboxState::kSent);
  EXPECT_EQ(sink_->messages().size(), 1u);
}

TEST_F(OutboxWorkerTest, HandsBackTheBatchWhenItsClaimRunsOut) {
  std::int64_t first = enqueue("ana@customer.example");
  std::int64_t second = enqueue("bo@customer.example");
  std::int64_t third = enqueue("cy@customer.example");
  // Each reading of the clock is 20 s later, as if every step were slow: after the first send
  // there is not enough of the 60 s claim left for another 30 s submission.
  auto ticks = std::make_shared<std::atomic<std::int64_t>>(kNow);
  OutboxWorker worker(*db_, kIdentity, sink_->url(), [ticks] { return ticks->fetch_add(20); });
  auto stats = worker.run_once(kNow);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->claimed, 3);
  EXPECT_EQ(stats->sent, 1);
  EXPECT_EQ(stats->released, 2);
  EXPECT_EQ(row(first).state, OutboxState::kSent);
  for (std::int64_t id : {second, third}) {
    auto entry = row(id);
    EXPECT_EQ(entry.state, OutboxState::kQueued);
    EXPECT_EQ(entry.attempts, 0);
    EXPECT_EQ(entry.claimed_until, std::nullopt);
  }
  EXPECT_EQ(sink_->messages().size(), 1u);

  OutboxWorker steady(*db_, kIdentity, sink_->url(), fixed_clock());
  auto rest = steady.run_once(kNow + 1);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_EQ(rest->sent, 2);
  EXPECT_EQ(sink_->messages().size(), 3u);
}

TEST_F(OutboxWorkerTest, TwoWorkersDeliverEachMailExactlyOnce) {
  constexpr int kMails = 40;
  std::set<std::string> expected;
  for (int i = 0; i < kMails; ++i) {
    std::string address = "user" + std::to_string(i) + "@customer.example";
    expected.insert(address);
    enqueue(address);
  }
  auto other_db = open_db();
  ASSERT_TRUE(other_db);
  OutboxWorkerOptions options;
  options.batch_size = 3;
  OutboxWorker one(*db_, kIdentity, sink_->url(), fixed_clock(), options);
  OutboxWorker two(*other_db, kIdentity, sink_->url(), fixed_clock(), options);

  std::latch start(2);
  std::atomic<int> sent = 0;
  std::atomic<int> errors = 0;
  auto drain = [&](OutboxWorker& worker) {
    start.arrive_and_wait();
    for (int run = 0; run < 100; ++run) {
      auto stats = worker.run_once(kNow);
      if (!stats) {
        ++errors;
        continue;
      }
      sent += stats->sent;
      if (stats->claimed == 0) break;
    }
  };
  std::thread a(drain, std::ref(one));
  std::thread b(drain, std::ref(two));
  a.join();
  b.join();

  EXPECT_EQ(errors, 0);
  EXPECT_EQ(sent, kMails);
  auto messages = sink_->messages();
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(kMails));
  std::multiset<std::string> recipients;
  std::set<std::string> message_ids;
  for (const auto& message : messages) {
    recipients.insert(test::header_value(message, "Delivered-To"));
    message_ids.insert(test::header_value(message, "Message-Id"));
  }
  EXPECT_EQ(recipients, std::multiset<std::string>(expected.begin(), expected.end()));
  EXPECT_EQ(message_ids.size(), static_cast<std::size_t>(kMails));
  auto rows = mail::list_outbox(*db_, 100);
  ASSERT_TRUE(rows) << rows.error().message;
  for (const auto& entry : *rows) EXPECT_EQ(entry.state, OutboxState::kSent) << entry.id;
}

TEST_F(OutboxWorkerTest, BackgroundThreadDeliversWhenNotified) {
  OutboxWorkerOptions options;
  options.poll_interval = std::chrono::seconds(60);  // only notify() wakes it within the test
  OutboxWorker worker(*db_, kIdentity, sink_->url(), {}, options);
  worker.start();
  worker.start();                                               // already running: a no-op
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its first (empty) run

  auto system_now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::int64_t id = enqueue("ana@customer.example", system_now());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(sink_->messages().empty()) << "delivered before notify()";

  worker.notify();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sink_->messages().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sink_->messages().size(), 1u);

  auto stopping = std::chrono::steady_clock::now();
  worker.stop();
  worker.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(2));
  EXPECT_EQ(row(id).state, OutboxState::kSent);
}

}  // namespace
}  // namespace portico::jobs
