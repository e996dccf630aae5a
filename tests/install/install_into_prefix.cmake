# cmake -DBUILD_DIR=B -DPREFIX=P -P install_into_prefix.cmake: a fresh `cmake --install B
# --prefix P`, then a check that every file a user needs is there.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed (${rc})")
endif()
foreach(pattern lib*/cmake/janus/janusConfig.cmake lib*/cmake/janus/janusConfigVersion.cmake
                lib*/cmake/janus/janusTargets.cmake lib*/pkgconfig/janus.pc
                lib*/libjanus_core.so lib*/libjanus_layers.so lib*/libjanus_frontends.so
                lib*/libjanus_datasets.so include/janus/core/tensor.h include/janus/torch/torch.h
                include/janus/keras/keras.h include/janus/datasets/datasets.h)
  file(GLOB found ${PREFIX}/${pattern})
  if(NOT found)
    message(FATAL_ERROR "installed prefix ${PREFIX}: missing ${pattern}")
  endif()
endforeach()
message(STATUS "janus installed into ${PREFIX}")
