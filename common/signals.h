// Graceful shutdown: block SIGTERM/SIGINT in every thread, then wait for them on one.
#ifndef LLM_COMMON_SIGNALS_H_
#define LLM_COMMON_SIGNALS_H_

namespace llm {

// Blocks SIGTERM and SIGINT in the calling thread and in every thread it starts later.
// Call first in main(), before any library starts threads.
void BlockTerminationSignals();

// Waits until SIGTERM or SIGINT arrives and returns its number.
int WaitForTerminationSignal();

}  // namespace llm

#endif  // LLM_COMMON_SIGNALS_H_
