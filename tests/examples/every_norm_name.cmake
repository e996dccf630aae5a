# cmake -DTRAIN_CIFAR=exe -DOUT=dir -P every_norm_name.cmake: train_cifar accepts every
# normalization name of docs/normalization.md in both frontends (one tiny epoch each) and
# names what it built in its log line.
set(names bn in-affine pcn in pc-std pc-std-unbiased gn ln none)
foreach(frontend torch keras)
  foreach(name IN LISTS names)
    execute_process(COMMAND ${TRAIN_CIFAR} --frontend ${frontend} --norm ${name} --epochs 1 --train-size 64
                            --test-size 32 --batch 32 --out ${OUT}/${frontend}_${name}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "final test accuracy: [01]\\.[0-9]+")
      message(FATAL_ERROR "train_cifar --frontend ${frontend} --norm ${name} failed (${rc}):\n${out}\n${err}")
    endif()
  endforeach()
endforeach()
message(STATUS "train_cifar took every name in both frontends: ${names}")
