import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, SERVICE, SERVICE_DIMENSION } from '../../core/metrics.js';

/**
 * One of the metrics the handlers emit (names in core/metrics.ts), under the dimension Powertools adds
 * to all of them, plus any others (Model, Role). Alarms and the dashboard both read metrics this way.
 */
export function maasMetric(
  name: string,
  options: Pick<MetricOptions, 'statistic' | 'period' | 'label'> & {
    dimensions?: Record<string, string>;
  } = {},
): Metric {
  const { dimensions, ...rest } = options;
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [SERVICE_DIMENSION]: SERVICE, ...dimensions },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...rest,
  });
}
