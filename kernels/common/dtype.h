// Element types of the tensors the kernels read and write.
#ifndef LLM_KERNELS_COMMON_DTYPE_H_
#define LLM_KERNELS_COMMON_DTYPE_H_

namespace llm::kernels {

enum class DType { kF32, kF16, kBF16 };

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_DTYPE_H_
