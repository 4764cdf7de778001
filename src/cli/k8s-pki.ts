/** The `coffer k8s pki …` and `coffer k8s kubeconfig` commands, for the command table. */
import type { Command } from './command.js';
import { k8sPkiInit } from './k8s-pki-init.js';
import { k8sPkiIssueNode } from './k8s-pki-issue-node.js';
import { k8sKubeconfig } from './k8s-pki-kubeconfig.js';

export const K8S_PKI_COMMANDS: Command[] = [k8sPkiInit, k8sPkiIssueNode, k8sKubeconfig];

export const K8S_PKI_GROUPS: Record<string, string> = {
  k8s: 'Kubernetes helpers: a cluster\'s PKI and kubeconfigs',
  'k8s pki': 'Set up and use a Kubernetes cluster\'s certificate authorities',
};
