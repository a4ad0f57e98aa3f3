# Included by CMake right after llama.cpp's own project() call, through
#   CMAKE_ARGS="-DLLAVA_BUILD=OFF -DCMAKE_PROJECT_llama.cpp_INCLUDE=$PWD/scripts/lean-llama.cmake"
# in the README's setup command. llama-cpp-python forces LLAMA_BUILD_COMMON on (a cache entry), but only its
# multimodal library (LLAVA_BUILD, off above) needs llama.cpp's "common" library; the Python bindings load
# libllama and libggml alone. A normal variable set here shadows the cache entry inside llama.cpp's folder, so
# "common" (and its HTTP client) is not compiled: about half of the compile time, the same runtime libraries.
# Figures: docs/benchmarks.md, "Set-up time".
set(LLAMA_BUILD_COMMON OFF)
