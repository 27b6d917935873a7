import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { buildLayer, type LayerArchitecture } from '../../layers/onnxruntime/build-layer.js';

export interface OnnxLayerProps {
  /** Must match the functions that use it: the layer carries one architecture's native binaries. */
  readonly architecture: LayerArchitecture;
}

/** Lambda's architecture for each layer build. */
export const LAMBDA_ARCHITECTURE = {
  arm64: Architecture.ARM_64,
  x86_64: Architecture.X86_64,
} as const satisfies Record<LayerArchitecture, Architecture>;

/**
 * onnxruntime-node (and koffi, for the allocator's settings) as a Lambda layer
 * (`/opt/nodejs/node_modules`, which the Node runtime resolves), because native addons cannot be
 * bundled. The layer is built from the installed packages on first synth (and again when they
 * change), so a fresh clone synthesizes after `npm ci` alone.
 */
export class OnnxLayer extends Construct {
  public readonly layer: LayerVersion;

  constructor(scope: Construct, id: string, props: OnnxLayerProps) {
    super(scope, id);
    const { dir } = buildLayer(props.architecture);
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(dir),
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      compatibleArchitectures: [LAMBDA_ARCHITECTURE[props.architecture]],
      description: `onnxruntime-node and koffi for linux/${props.architecture}`,
    });
  }
}
