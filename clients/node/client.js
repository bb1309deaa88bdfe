// Example Node client for kubecommit: loads the contract with @grpc/proto-loader and calls the
// server the way any Node program would, decoding google.rpc.Status error details.
// Usage: node client.js HOST:PORT [TOKEN]
// Prints the clusters the caller may see as JSON, or the error with its details (exit 1).
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { statusDetails } = require('./status');

const repo = path.resolve(__dirname, '..', '..');
const includeDirs = [path.join(repo, 'protos'), path.join(repo, 'third_party')];

function loadServices() {
  const definition = protoLoader.loadSync(['kubecommit/v1/clusters.proto'], {
    includeDirs,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).kubecommit.v1;
}

function main() {
  const [address, token] = process.argv.slice(2);
  if (!address) {
    console.error('usage: node client.js HOST:PORT [TOKEN]');
    process.exit(2);
  }
  const v1 = loadServices();
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  const clusters = new v1.ClustersService(address, grpc.credentials.createInsecure());
  clusters.listClusters({ pageSize: 50 }, metadata, { deadline: Date.now() + 10000 }, (error, reply) => {
    clusters.close();
    if (error) {
      console.log(JSON.stringify({
        code: grpc.status[error.code],
        message: error.details,
        details: statusDetails(error),
      }));
      process.exit(1);
    }
    console.log(JSON.stringify({ clusters: reply.clusters.map((c) => c.name) }));
  });
}

main();
