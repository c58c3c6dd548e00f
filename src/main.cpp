#include "portico/cli/cli.hpp"

int main(int argc, char** argv) { return portico::cli::run(argc, argv); }
