#include "portico/jobs/outbox_worker.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "portico/mail/outbox.hpp"

namespace portico::jobs {

namespace {

// The claim. SQLite: the two due sets are read through outbox_due explicitly, because with
// ANALYZE statistics on a table of mostly 'sent' rows the planner prefers scanning by id; the
// transaction's write lock (BEGIN IMMEDIATE) keeps two claims apart. PostgreSQL: rows another
// worker is claiming are skipped, not waited for.
constexpr std::string_view kClaimSqlite =
    "UPDATE outbox SET state = 'sending', claimed_until = $1"
    " WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due"
    "              WHERE state = 'queued' AND next_attempt_at <= $2"
    "              UNION ALL"
    "              SELECT id FROM outbox INDEXED BY outbox_due"
    "              WHERE state = 'sending' AND claimed_until < $2"
    "              ORDER BY id LIMIT $3)"
    " RETURNING id, template, to_address, to_name, subject, body_text, body_html, ticket_id,"
    " created_at, attempts, message_id";
constexpr std::string_view kClaimPostgres =
    "UPDATE outbox SET state = 'sending', claimed_until = $1"
    " WHERE id IN (SELECT id FROM outbox"
    "              WHERE (state = 'queued' AND next_attempt_at <= $2)"
    "                 OR (state = 'sending' AND claimed_until < $2)"
    "              ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, template, to_address, to_name, subject, body_text, body_html, ticket_id,"
    " created_at, attempts, message_id";

// Every outcome is written only while the row still carries this worker's claim.
constexpr std::string_view kMarkSentSql =
    "UPDATE outbox SET state = 'sent', sent_at = $1, message_id = $2, claimed_until = NULL"
    " WHERE id = $3 AND state = 'sending' AND claimed_until = $4";
constexpr std::string_view kMarkUnsentSql =
    "UPDATE outbox SET state = $1, attempts = attempts + 1, next_attempt_at = $2,"
    " last_error = $3, message_id = $4, claimed_until = NULL"
    " WHERE id = $5 AND state = 'sending' AND claimed_until = $6";
constexpr std::string_view kReleaseSql =
    "UPDATE outbox SET state = 'queued', claimed_until = NULL"
    " WHERE id = $1 AND state = 'sending' AND claimed_until = $2";

// Slack between the longest SMTP submission and the end of a claim (DB writes, compose).
constexpr std::int64_t kClaimMarginSeconds = 5;
constexpr std::size_t kMaxErrorLength = 1000;
constexpr int kFinishTries = 3;

std::int64_t system_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t retry_delay(std::int64_t previous_attempts, const OutboxWorkerOptions& options) {
  std::int64_t delay = options.first_retry_seconds;
  for (std::int64_t i = 0; i < previous_attempts && delay < options.max_retry_seconds; ++i) {
    delay *= 2;
  }
  return std::min(delay, options.max_retry_seconds);
}

}  // namespace

struct OutboxWorker::Claimed {
  std::int64_t id = 0;
  std::int64_t claimed_until = 0;  // the claim's token: only its holder records an outcome
  std::int64_t created_at = 0;
  std::int64_t attempts = 0;
  std::optional<std::string> message_id;
  mail::OutgoingMail mail;
};

OutboxWorker::OutboxWorker(storage::Database& db, mail::MailIdentity identity,
                           std::optional<std::string> smtp_url, Clock clock,
                           OutboxWorkerOptions options)
    : db_(db),
      identity_(std::move(identity)),
      clock_(clock ? std::move(clock) : Clock(system_clock_seconds)),
      options_(options) {
  auto timeout = std::chrono::ceil<std::chrono::seconds>(options_.smtp.timeout).count();
  options_.claim_seconds = std::max(options_.claim_seconds, timeout + 2 * kClaimMarginSeconds);
  options_.batch_size = std::max(options_.batch_size, 1);
  options_.max_attempts = std::max(options_.max_attempts, 1);
  if (!smtp_url || smtp_url->empty()) {
    spdlog::info("outbox: SMTP is not configured; mail stays in the outbox");
    return;
  }
  auto sender = mail::SmtpSender::create(*smtp_url, options_.smtp);
  if (!sender) {
    spdlog::error("outbox: {}", sender.error().message);
    config_error_ = sender.error();
    return;
  }
  sender_.emplace(std::move(*sender));
}

OutboxWorker::~OutboxWorker() { stop(); }

Result<std::vector<OutboxWorker::Claimed>> OutboxWorker::claim(std::int64_t now) {
  std::string_view sql =
      db_.backend() == storage::Backend::kPostgres ? kClaimPostgres : kClaimSqlite;
  std::int64_t token = now + options_.claim_seconds;
  auto rows = db_.transaction([&](storage::Connection& conn) {
    return conn.query(sql, storage::Params(token, now, options_.batch_size));
  });
  if (!rows) return std::unexpected(rows.error());
  std::vector<Claimed> claimed;
  claimed.reserve(rows->size());
  for (const auto& row : *rows) {
    Claimed c;
    c.id = row.integer(0);
    c.claimed_until = token;
    c.mail.template_name = row.text(1);
    c.mail.to_address = row.text(2);
    c.mail.to_name = row.text(3);
    c.mail.subject = row.text(4);
    c.mail.body_text = row.text(5);
    c.mail.body_html = row.text(6);
    c.mail.ticket_id = row.opt_integer(7);
    c.created_at = row.integer(8);
    c.attempts = row.integer(9);
    c.message_id = row.opt_text(10);
    claimed.push_back(std::move(c));
  }
  // RETURNING order is unspecified; deliver oldest first.
  std::ranges::sort(claimed, {}, &Claimed::id);
  return claimed;
}

Result<void> OutboxWorker::finish(const Claimed& row, Outcome outcome, std::int64_t at,
                                  const std::string& message_id, const std::string& error) {
  std::string last_error = error.substr(0, kMaxErrorLength);
  Result<std::int64_t> changed = 0;
  for (int attempt = 0; attempt < kFinishTries; ++attempt) {
    changed = db_.with_connection([&](storage::Connection& conn) {
      if (outcome == Outcome::kSent) {
        return conn.execute(kMarkSentSql,
                            storage::Params(at, message_id, row.id, row.claimed_until));
      }
      bool retry = outcome == Outcome::kRetry;
      std::int64_t next = retry ? at + retry_delay(row.attempts, options_) : at;
      return conn.execute(kMarkUnsentSql,
                          storage::Params(retry ? "queued" : "failed", next, last_error, message_id,
                                          row.id, row.claimed_until));
    });
    if (changed || changed.error().code != ErrorCode::kUnavailable) break;
  }
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) {
    spdlog::warn("outbox: mail {} was claimed by another worker before its outcome was recorded",
                 row.id);
  }
  return {};
}

Result<void> OutboxWorker::release(const Claimed& row) {
  auto changed = db_.with_connection([&](storage::Connection& conn) {
    return conn.execute(kReleaseSql, storage::Params(row.id, row.claimed_until));
  });
  if (!changed) return std::unexpected(changed.error());
  return {};
}

Result<DeliveryStats> OutboxWorker::run_once(std::int64_t now) {
  if (config_error_) return fail(*config_error_);
  DeliveryStats stats;
  if (!sender_) return stats;

  auto claimed = claim(now);
  if (!claimed) return std::unexpected(claimed.error());
  stats.claimed = static_cast<int>(claimed->size());

  const std::int64_t started = clock_();
  const std::int64_t send_budget =
      std::chrono::ceil<std::chrono::seconds>(options_.smtp.timeout).count() + kClaimMarginSeconds;
  for (const Claimed& row : *claimed) {
    std::int64_t elapsed = std::max<std::int64_t>(clock_() - started, 0);
    if (stopping_ || elapsed + send_budget > options_.claim_seconds) {
      // Not enough claim left to finish a send safely: hand the row back for the next run.
      if (auto released = release(row); !released) return std::unexpected(released.error());
      ++stats.released;
      continue;
    }
    // Kept across retries, so a receiver can tell a resend after a lost reply from a new mail.
    std::string message_id =
        row.message_id ? *row.message_id : mail::make_message_id(identity_.from_address);
    auto message = mail::compose(identity_, row.mail, message_id, row.created_at);
    Outcome outcome;
    std::string error;
    if (!message) {
      outcome = Outcome::kFailed;
      error = message.error().message;
      spdlog::error("outbox: mail {} cannot be composed, giving up: {}", row.id, error);
    } else if (auto sent = sender_->send(identity_.from_address, row.mail.to_address, *message);
               sent) {
      outcome = Outcome::kSent;
      spdlog::debug("outbox: mail {} ({}) sent as {}", row.id, row.mail.template_name, message_id);
    } else {
      error = sent.error().message;
      if (row.attempts + 1 >= options_.max_attempts) {
        outcome = Outcome::kFailed;
        spdlog::error("outbox: mail {} failed after {} attempts: {}", row.id, row.attempts + 1,
                      error);
      } else {
        outcome = Outcome::kRetry;
        spdlog::warn("outbox: mail {} not sent (attempt {}), will retry: {}", row.id,
                     row.attempts + 1, error);
      }
    }
    std::int64_t at = now + std::max<std::int64_t>(clock_() - started, 0);
    if (auto finished = finish(row, outcome, at, message_id, error); !finished) {
      return std::unexpected(finished.error());
    }
    switch (outcome) {
      case Outcome::kSent: ++stats.sent; break;
      case Outcome::kRetry: ++stats.retried; break;
      case Outcome::kFailed: ++stats.failed; break;
    }
  }
  return stats;
}

void OutboxWorker::start() {
  if (!sender_) {
    if (config_error_) spdlog::error("outbox: not started: {}", config_error_->message);
    return;
  }
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
  spdlog::info("outbox: delivering mail via {}", sender_->display_url());
}

void OutboxWorker::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  thread.join();
  stopping_ = false;
}

void OutboxWorker::notify() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void OutboxWorker::loop() {
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      woken_ = false;
    }
    // Drain: a full batch means more may be due right now.
    for (;;) {
      auto stats = run_once(clock_());
      if (!stats) {
        spdlog::warn("outbox: delivery run failed: {}", stats.error().message);
        break;
      }
      if (stopping_ || stats->claimed < options_.batch_size) break;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
  }
}

}  // namespace portico::jobs
