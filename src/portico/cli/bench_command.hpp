#pragma once
// `portico bench-data`: generates the benchmark dataset (app/bench_data.hpp) into the configured
// database, prints what it wrote and how fast, and writes the benchmark's logins to a file that
// bench/run.sh reads (key=value lines).

#include <string>
#include <string_view>
#include <vector>

#include "portico/core/config.hpp"

namespace portico::cli {

// The flags `bench-data` accepts: the configuration flags and its own.
std::vector<std::string> bench_data_flags();
// Its own flags, for --help.
std::string_view bench_data_details();
// Runs the command; the exit code (2 for usage errors).
int run_bench_data(const Flags& flags);

}  // namespace portico::cli
