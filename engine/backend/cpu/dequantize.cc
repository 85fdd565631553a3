#include "engine/backend/cpu/dequantize.h"

#include <cstring>

#include "engine/tensor/half.h"

namespace llm::cpu {
namespace {

// Legacy 32-value blocks: low nibbles hold values 0..15, high nibbles 16..31.
void Q4_0(const uint8_t* b, float* y) {
  const float d = LoadF16(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = ((qs[j] & 15) - 8) * d;
    y[j + 16] = ((qs[j] >> 4) - 8) * d;
  }
}

void Q4_1(const uint8_t* b, float* y) {
  const float d = LoadF16(b), m = LoadF16(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = (qs[j] & 15) * d + m;
    y[j + 16] = (qs[j] >> 4) * d + m;
  }
}

// Q5: a fifth bit per value from the 32-bit qh field.
void Q5(const uint8_t* qh_bytes, const uint8_t* qs, float d, float m, int offset, float* y) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 15) | (((qh >> j) & 1) << 4);
    const int hi = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    y[j] = (lo - offset) * d + m;
    y[j + 16] = (hi - offset) * d + m;
  }
}

void Q8_0(const uint8_t* b, float* y) {
  const float d = LoadF16(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < 32; ++j) y[j] = qs[j] * d;
}

// K-quants pack eight 6-bit (scale, min) pairs into 12 bytes.
void ScaleMinK4(int j, const uint8_t* q, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 15) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q4_K (144 bytes: d, dmin, scales[12], qs[128]) and Q5_K (176 bytes: the same plus
// qh[32] before qs) share the 64-value chunk structure.
void QK(const uint8_t* b, bool five_bit, float* y) {
  const float d = LoadF16(b), dmin = LoadF16(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = five_bit ? b + 48 : b + 16;
  for (int c = 0; c < 4; ++c) {
    int sc1, m1, sc2, m2;
    ScaleMinK4(2 * c, scales, &sc1, &m1);
    ScaleMinK4(2 * c + 1, scales, &sc2, &m2);
    const float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
    const uint8_t* q = qs + 32 * c;
    for (int l = 0; l < 32; ++l) {
      int lo = q[l] & 15, hi = q[l] >> 4;
      if (five_bit) {
        lo += (qh[l] & (1 << (2 * c))) ? 16 : 0;
        hi += (qh[l] & (2 << (2 * c))) ? 16 : 0;
      }
      y[64 * c + l] = d1 * lo - min1;
      y[64 * c + 32 + l] = d2 * hi - min2;
    }
  }
}

// Q6_K (210 bytes: ql[128], qh[64], int8 scales[16], d), in two 128-value halves.
void Q6_K(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = LoadF16(b + 208);
  for (int half = 0; half < 2; ++half) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 15) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

}  // namespace

void DequantizeRow(DType type, const uint8_t* row, int64_t n, float* out) {
  switch (type) {
    case DType::kF32:
      std::memcpy(out, row, n * sizeof(float));
      return;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) out[i] = LoadF16(row + 2 * i);
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        out[i] = Bf16ToFloat(static_cast<uint16_t>(row[2 * i] | (row[2 * i + 1] << 8)));
      }
      return;
    default:
      break;
  }
  const DTypeInfo info = Info(type);
  const int64_t blocks = n / info.block_elements;
  for (int64_t i = 0; i < blocks; ++i) {
    const uint8_t* b = row + i * info.block_bytes;
    float* y = out + i * info.block_elements;
    switch (type) {
      case DType::kF32:
      case DType::kF16:
      case DType::kBF16:
        break;  // Handled above.
      case DType::kQ4_0:
        Q4_0(b, y);
        break;
      case DType::kQ4_1:
        Q4_1(b, y);
        break;
      case DType::kQ5_0:
        Q5(b + 2, b + 6, LoadF16(b), 0.0f, 16, y);
        break;
      case DType::kQ5_1:
        Q5(b + 4, b + 8, LoadF16(b), LoadF16(b + 2), 0, y);
        break;
      case DType::kQ8_0:
        Q8_0(b, y);
        break;
      case DType::kQ4_K:
        QK(b, /*five_bit=*/false, y);
        break;
      case DType::kQ5_K:
        QK(b, /*five_bit=*/true, y);
        break;
      case DType::kQ6_K:
        Q6_K(b, y);
        break;
    }
  }
}

}  // namespace llm::cpu
