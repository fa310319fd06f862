/**
 * Java classes and packages that deserialization gadgets and expression-injection payloads (Struts OGNL,
 * WebLogic XMLDecoder, Spring, FreeMarker) reach for: `java.lang.Runtime`, `java.lang.ProcessBuilder`,
 * `javax.script.ScriptEngineManager`, `java.lang.reflect`, `com.opensymphony.xwork2`, `classLoader`...
 *
 * Data from coreruleset/coreruleset@2cbd1d019cb7c85319ba4d9102a382c9de7a8e53, rules/java-classes.data
 * (Apache-2.0, Copyright OWASP CRS project; see NOTICE). Lowercased, comments dropped; used as data only.
 */
export const CRS_JAVA_CLASSES: readonly string[] = [
  'com.opensymphony.xwork2', 'com.sun.org.apache', 'classloader', 'declaredclass', 'freemarker.core',
  'freemarker.template', 'freemarker.ext.rhino', 'java.io.bufferedinputstream', 'java.io.bufferedreader',
  'java.io.bytearrayinputstream', 'java.io.bytearrayoutputstream', 'java.io.chararrayreader',
  'java.io.datainputstream', 'java.io.file', 'java.io.fileoutputstream', 'java.io.filepermission',
  'java.io.filewriter', 'java.io.filterinputstream', 'java.io.filteroutputstream', 'java.io.filterreader',
  'java.io.inputstream', 'java.io.ioexception', 'java.io.linenumberreader', 'java.io.objectinputstream',
  'java.io.objectoutputstream', 'java.io.outputstream', 'java.io.pipedoutputstream', 'java.io.pipedreader',
  'java.io.printstream', 'java.io.pushbackinputstream', 'java.io.reader', 'java.io.stringreader', 'java.lang.class',
  'java.lang.enum', 'java.lang.integer', 'java.lang.number', 'java.lang.object', 'java.lang.process',
  'java.lang.processbuilder', 'java.lang.reflect', 'java.lang.runtime', 'java.lang.string', 'java.lang.system',
  'java.net.httpurlconnection', 'java.net.jarurlconnection', 'java.net.datagramsocket', 'java.net.multicastsocket',
  'java.net.serversocket', 'java.net.socket', 'java.net.url', 'javassist', 'javax.naming.initialcontext',
  'javax.script.scriptenginemanager', 'javax.xml.parsers', 'javax.xml.stream', 'ognlcontext', 'ognlutil',
  'org.apache.commons', 'org.apache.struts', 'org.apache.struts2', 'org.dom4j.io.saxreader',
  'org.jdom2.input.saxbuilder', 'org.omg.corba', 'org.xml.sax', 'propertyutilsbean', 'java.beans.xmldecode',
  'java.nio.file', 'sun.reflect'
]
