#pragma once
// The worker contract's environment as one table: every variable a worker may be given, who
// sets it and what it means. `retrain worker --contract` prints it, the README's table is that
// output, and a test checks that every variable WorkerEnv and the executors set is in it — so
// the documentation cannot drift from what workers receive.

#include <span>
#include <string>
#include <string_view>

namespace retrain {

struct ContractVariable {
  std::string_view names;    // one or more, comma-separated; "TRAINER_<PARAM>" is a prefix
  std::string_view set_by;   // who sets it, and when
  std::string_view meaning;  // Markdown
};

std::span<const ContractVariable> WorkerContract();

// Whether `variable` is named by a row of the table (TRAINER_<PARAM>: any TRAINER_ variable).
bool InWorkerContract(std::string_view variable);

// The table in Markdown (the README's "Your own trainer" section holds exactly this).
std::string WorkerContractMarkdown();

}  // namespace retrain
