// Reads the google.rpc.Status a kubecommit error carries in its `grpc-status-details-bin` trailer:
// grpc-js hands the raw bytes over untouched, so decode them with protobufjs and the google/rpc
// protos (third_party/, copied by `make third_party`), then unpack each Any detail by its type.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const includeDirs = [path.resolve(__dirname, '..', '..', 'third_party')];
const root = new protobuf.Root();
root.resolvePath = (_origin, target) =>
  includeDirs.map((dir) => path.join(dir, target)).find((file) => fs.existsSync(file)) || target;
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = root.lookupType('google.rpc.Status');

// The error's details as plain objects tagged with their type, e.g.
// [{type: 'google.rpc.ErrorInfo', reason: 'INVALID_REQUEST', ...},
//  {type: 'google.rpc.BadRequest', fieldViolations: [{field: 'name', description: '...'}]}].
function statusDetails(error) {
  const raw = error.metadata && error.metadata.get('grpc-status-details-bin')[0];
  if (!raw) return [];
  return Status.decode(raw).details.map((detail) => {
    const typeName = detail.type_url.split('/').pop();
    const type = root.lookupType(typeName);
    return { type: typeName, ...type.toObject(type.decode(detail.value)) };
  });
}

module.exports = { statusDetails };
