//! aws-chunked framing: chunk headers, chunk signatures and trailers. STUB.
