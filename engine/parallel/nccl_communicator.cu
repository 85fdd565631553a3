#include <cuda_runtime_api.h>
#include <nccl.h>

#include "absl/strings/str_cat.h"
#include "engine/parallel/nccl_communicator.h"
#include "kernels/common/cuda_status.h"

namespace llm {
namespace {

absl::Status NcclStatus(ncclResult_t result, const char* what) {
  if (result == ncclSuccess) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", ncclGetErrorString(result)));
}

}  // namespace

class NcclGroup::Rank : public Communicator {
 public:
  Rank(ncclComm_t comm, int rank, int size, int device)
      : comm_(comm), rank_(rank), size_(size), device_(device) {}
  ~Rank() override { ncclCommDestroy(comm_); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void set_stream(cudaStream_t stream) { stream_ = stream; }

  absl::Status AllReduceSum(float* data, int64_t n) override {
    if (absl::Status s = kernels::CudaStatus(cudaSetDevice(device_), "cudaSetDevice"); !s.ok()) {
      return s;
    }
    return NcclStatus(ncclAllReduce(data, data, static_cast<size_t>(n), ncclFloat32, ncclSum,
                                    comm_, stream_),
                      "ncclAllReduce");
  }

  absl::Status AllGather(const float* in, int64_t n, float* out) override {
    if (absl::Status s = kernels::CudaStatus(cudaSetDevice(device_), "cudaSetDevice"); !s.ok()) {
      return s;
    }
    return NcclStatus(
        ncclAllGather(in, out, static_cast<size_t>(n), ncclFloat32, comm_, stream_),
        "ncclAllGather");
  }

 private:
  ncclComm_t comm_;
  const int rank_, size_, device_;
  cudaStream_t stream_ = nullptr;
};

absl::StatusOr<std::unique_ptr<NcclGroup>> NcclGroup::Create(const std::vector<int>& devices) {
  if (devices.empty()) return absl::InvalidArgumentError("an NCCL group needs a device");
  int count = 0;
  if (absl::Status s = kernels::CudaStatus(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
      !s.ok()) {
    return absl::FailedPreconditionError(s.message());
  }
  for (int device : devices) {
    if (device < 0 || device >= count) {
      return absl::InvalidArgumentError(
          absl::StrCat("device ", device, " does not exist (", count, " visible)"));
    }
  }
  const int size = static_cast<int>(devices.size());
  std::vector<ncclComm_t> comms(size);
  if (absl::Status s = NcclStatus(ncclCommInitAll(comms.data(), size, devices.data()),
                                  "ncclCommInitAll");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<NcclGroup> group(new NcclGroup());
  for (int r = 0; r < size; ++r) {
    group->ranks_.push_back(std::make_unique<Rank>(comms[r], r, size, devices[r]));
  }
  return group;
}

NcclGroup::~NcclGroup() = default;

Communicator& NcclGroup::rank(int r) { return *ranks_[r]; }

void NcclGroup::SetStream(int r, cudaStream_t stream) { ranks_[r]->set_stream(stream); }

}  // namespace llm
