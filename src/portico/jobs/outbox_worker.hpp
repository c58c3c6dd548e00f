#pragma once
// Delivers the outbox (mail/outbox.hpp) over SMTP, exactly once per row even with several
// workers or server processes on one database.
//
// A run claims a batch of due rows in one transaction (state 'sending', claimed_until = now +
// claim lease; FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite), then composes and
// sends each row and records the outcome only if its claim is still the one it took. A row whose
// worker died is claimed again once claimed_until has passed. A worker never starts a send that
// could outlast its claim: it hands the rest of the batch back instead.
//
// Failures are retried with exponential backoff (30 s, 1 min, 2 min, … capped at 1 h) until
// max_attempts, then the row is 'failed'. A mail that cannot be composed fails at once.
// Without an SMTP URL the worker does nothing and mail stays 'queued'.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/mail/compose.hpp"
#include "portico/mail/smtp.hpp"
#include "portico/storage/db.hpp"

namespace portico::jobs {

struct DeliveryStats {
  int claimed = 0;   // rows this run took
  int sent = 0;      // accepted by the SMTP server
  int retried = 0;   // failed this time; queued again for later
  int failed = 0;    // given up on
  int released = 0;  // handed back unsent (claim about to run out, or stop())
};

struct OutboxWorkerOptions {
  int batch_size = 20;
  std::chrono::milliseconds poll_interval{1000};
  std::int64_t claim_seconds = 60;  // raised if shorter than one SMTP submission may take
  int max_attempts = 10;
  std::int64_t first_retry_seconds = 30;  // doubled per attempt
  std::int64_t max_retry_seconds = 3600;
  mail::SmtpOptions smtp;
};

class OutboxWorker {
 public:
  // Unix seconds. Tests inject a fixed or stepping clock.
  using Clock = std::function<std::int64_t()>;

  // smtp_url: see mail/smtp.hpp; nullopt or "" means "not configured" (mail stays queued). An
  // invalid URL is logged here and reported by every run_once(). clock defaults to system time.
  // db must outlive the worker.
  OutboxWorker(storage::Database& db, mail::MailIdentity identity,
               std::optional<std::string> smtp_url, Clock clock, OutboxWorkerOptions options = {});
  ~OutboxWorker();  // stop()s

  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // True when an SMTP URL is set and valid, i.e. run_once() delivers.
  bool configured() const { return sender_.has_value(); }

  // Claims one batch due at `now` and delivers it. Without SMTP configured: no-op, empty stats.
  // With an invalid SMTP URL: that kInvalidArgument error, and nothing is claimed. Database
  // errors come back as they are; rows claimed before such an error are retried after their
  // claim expires.
  [[nodiscard]] Result<DeliveryStats> run_once(std::int64_t now);

  // Starts the background thread: drains due mail, then sleeps poll_interval or until notify().
  // No-op when not configured or already running.
  void start();
  // Stops the thread after the send in progress (the rest of its batch is handed back). Idempotent.
  void stop();
  // Wakes the thread early (call after committing a transaction that enqueued mail).
  void notify();

 private:
  struct Claimed;
  enum class Outcome { kSent, kRetry, kFailed };

  Result<std::vector<Claimed>> claim(std::int64_t now);
  Result<void> finish(const Claimed& row, Outcome outcome, std::int64_t at,
                      const std::string& message_id, const std::string& error);
  Result<void> release(const Claimed& row);
  void loop();

  storage::Database& db_;
  mail::MailIdentity identity_;
  std::optional<mail::SmtpSender> sender_;
  std::optional<Error> config_error_;
  Clock clock_;
  OutboxWorkerOptions options_;

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace portico::jobs
