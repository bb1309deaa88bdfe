// Shows how a Node program reads kubecommit's error details (see status.js): calls GetCluster
// without a name and prints the ErrorInfo reason and the BadRequest field the server named.
// Usage: node errors.js HOST:PORT TOKEN
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { statusDetails } = require('./status');

const repo = path.resolve(__dirname, '..', '..');
const definition = protoLoader.loadSync(['kubecommit/v1/clusters.proto'], {
  includeDirs: [path.join(repo, 'protos'), path.join(repo, 'third_party')],
});
const v1 = grpc.loadPackageDefinition(definition).kubecommit.v1;

const [address, token] = process.argv.slice(2);
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${token}`);
const clusters = new v1.ClustersService(address, grpc.credentials.createInsecure());
clusters.getCluster({}, metadata, { deadline: Date.now() + 10000 }, (error) => {
  clusters.close();
  const details = error ? statusDetails(error) : [];
  const info = details.find((d) => d.type === 'google.rpc.ErrorInfo');
  const badRequest = details.find((d) => d.type === 'google.rpc.BadRequest');
  console.log(JSON.stringify({
    code: error ? grpc.status[error.code] : 'OK',
    reason: info && info.reason,
    fields: badRequest ? badRequest.fieldViolations.map((v) => v.field) : [],
  }));
});
