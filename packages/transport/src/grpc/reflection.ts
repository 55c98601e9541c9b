/**
 * Server reflection (grpc.reflection.v1 and v1alpha, @grpc/reflection) for
 * synapse.v1.AgentService and grpc.health.v1.Health, so stock tools (grpcurl, buf curl, Postman)
 * can list, describe and call them.
 *
 * The descriptors are the exact ones `buf build` produces, embedded by `npm run proto:gen` in
 * generated/descriptor-sets.ts. They are not loaded from .proto files with proto-loader because
 * (a) proto-loader's regenerated descriptors drop imports and misname map entries, so stock
 * tools fail to link them ("failed to find service"), and (b) nothing has to be found on disk:
 * the compiled package works the same from the source tree, from dist and in a Docker image.
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { AGENT_DESCRIPTOR_SET, HEALTH_DESCRIPTOR_SET } from "../generated/descriptor-sets.js";

let definition: PackageDefinition | undefined;

/**
 * The reflection input: @grpc/reflection reads only the `fileDescriptorProtos` of a package
 * definition's entries, so one entry holding every serialized FileDescriptorProto is enough.
 * Decoded once per process.
 */
function reflectionPackage(): PackageDefinition {
  if (definition === undefined) {
    const files = [AGENT_DESCRIPTOR_SET, HEALTH_DESCRIPTOR_SET].flatMap((set) =>
      fromBinary(FileDescriptorSetSchema, Buffer.from(set, "base64")).file.map((file) =>
        Buffer.from(toBinary(FileDescriptorProtoSchema, file)),
      ),
    );
    definition = {
      "synapse.v1": { format: "Protocol Buffer 3 FileDescriptorSet", type: {}, fileDescriptorProtos: files },
    } as unknown as PackageDefinition;
  }
  return definition;
}

/** Adds the reflection services to `server`. */
export function addReflection(server: Server): void {
  new ReflectionService(reflectionPackage()).addToServer(server);
}
