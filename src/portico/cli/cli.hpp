#pragma once
// The `portico` command line: serve, migrate, demo, version. The composition root: this is where
// configuration, storage, templates and the HTTP server are wired together.

namespace portico::cli {

// Runs the command line; returns the process exit code (2 for usage errors).
int run(int argc, char** argv);

}  // namespace portico::cli
